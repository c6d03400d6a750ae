/**
 * `neural history` outside oclif: open the store, resolve the markets, download, and show a
 * progress bar while it runs (on a terminal only).
 */
import cliProgress from 'cli-progress'
import { RestClient } from '../core/rest-client.js'
import type { Exchange } from '../runtime/open-exchange.js'
import type { PeriodMinutes } from './api.js'
import { HistoryDownloader, resolveHistoryMarkets, type HistoryProgress, type HistorySummary } from './download.js'
import { HistoryStore } from './store.js'

export interface HistorySessionOptions {
  exchange: Exchange
  args: string[]
  dbFile: string
  fromMs?: number
  toMs?: number
  periodMinutes?: PeriodMinutes
  includeOpen?: boolean
  /** Draw a progress bar on this stream (a terminal); none when undefined. */
  progressStream?: NodeJS.WriteStream
  signal?: AbortSignal
  onProgress?: (p: HistoryProgress) => void
  /** Requests per second to the exchange. @default 20 (Kalshi's basic-tier read limit) */
  maxRequestsPerSec?: number
}

export async function runHistorySession(o: HistorySessionOptions): Promise<{ summary: HistorySummary; interrupted: boolean }> {
  const client = new RestClient({ apiUrl: o.exchange.apiUrl, signer: o.exchange.signer, maxRequestsPerSec: o.maxRequestsPerSec })
  const store = await HistoryStore.open(o.dbFile)
  let bar: cliProgress.SingleBar | undefined
  try {
    const markets = await resolveHistoryMarkets(o.args, client, { includeOpen: o.includeOpen })
    if (o.progressStream) {
      bar = new cliProgress.SingleBar({
        stream: o.progressStream,
        format: 'history [{bar}] {value}/{total} steps | {newTrades} new trades | {requests} requests',
        hideCursor: true,
        clearOnComplete: true,
      }, cliProgress.Presets.shades_classic)
      bar.start(markets.length * 2, 0, { newTrades: 0, requests: 0 })
    }
    const downloader = new HistoryDownloader({
      client, store, markets, fromMs: o.fromMs, toMs: o.toMs, periodMinutes: o.periodMinutes, signal: o.signal,
      onProgress: (p) => {
        bar?.update(p.done, { newTrades: p.newTrades, requests: p.requests })
        o.onProgress?.(p)
      },
    })
    const summary = await downloader.run()
    return { summary, interrupted: downloader.interrupted }
  } finally {
    bar?.stop()
    store.close()
  }
}
