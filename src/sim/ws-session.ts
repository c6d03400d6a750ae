import type { WebSocket } from 'ws'
import { type SimFaults, isNth, malformedFrame } from './faults.js'
import { PRIVATE_CHANNELS, PUBLIC_CHANNELS, Subscription, type SubscriptionIndex, TICKERS_REQUIRED } from './subscriptions.js'
import { snapshotBody, tickerBody } from './wire.js'
import type { SimWorld } from './world.js'
import { WS_ERROR, type WsErrorName } from './ws-errors.js'
import { hostMonotonicMs } from '../core/host-clock.js'

export interface SessionContext {
  world: SimWorld
  index: SubscriptionIndex
  faults: SimFaults
  benchTimestamps: boolean
  /** Add the legacy integer fields (neural sim --legacy-wire). */
  legacyWire: boolean
  /** What an orderbook subscribe without use_yes_price gets (Kalshi says its default will flip). */
  useYesPriceDefault: boolean
  /** Markets one subscription may hold; more is error 26. */
  subscriptionMarketLimit: number
  /** Commands per second per connection; more is error 27. 0 = no limit. */
  commandsPerSec: number
}

/** A client that stops reading is cut off rather than allowed to grow the server's memory without bound. */
const MAX_BUFFERED_BYTES = 64 * 1024 * 1024

type Params = Record<string, unknown>

/** One WebSocket connection: its subscriptions, its command handling, and the faults applied to it. */
export class Session {
  readonly subs = new Map<number, Subscription>()
  private nextSid = 1
  private commands = 0
  private dataFrames = 0
  private malformedSent = 0
  private readonly silentAtMs: number | undefined
  /** Receive times of the commands of the last second, for the command rate limit. */
  private readonly commandTimes: number[] = []
  closed = false

  constructor(readonly ws: WebSocket, private readonly ctx: SessionContext, readonly authenticated: boolean, readonly keyId: string | undefined) {
    const s = ctx.faults.silentAfterSec
    this.silentAtMs = s !== undefined && s >= 0 ? Date.now() + s * 1000 : undefined
  }

  get silent(): boolean {
    return this.silentAtMs !== undefined && Date.now() >= this.silentAtMs
  }

  /** Send one data frame (the envelope is already built), plus the malformed extra when that fault is on. */
  sendData(frame: string): void {
    if (this.closed || this.silent) return
    if (this.ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.ws.terminate()
      return
    }
    this.ws.send(frame)
    if (isNth(++this.dataFrames, this.ctx.faults.malformedEvery)) this.ws.send(malformedFrame(this.malformedSent++))
  }

  ping(): void {
    if (!this.closed && !this.silent) this.ws.ping('heartbeat')
  }

  dispose(): void {
    this.closed = true
    for (const sub of this.subs.values()) this.ctx.index.remove(sub)
    this.subs.clear()
  }

  private reply(body: Record<string, unknown>): void {
    if (this.closed || this.silent) return
    this.ws.send(JSON.stringify(body))
  }

  /**
   * An error reply. One about a sequenced subscription carries its sid and takes the next number in
   * its sequence, as Kalshi does (recorded: an error took seq 4 between two deltas).
   */
  private error(id: unknown, name: WsErrorName, detail?: string, sub?: Subscription): void {
    const { code, text } = WS_ERROR[name]
    const scope = sub && sub.channel === 'orderbook_delta' ? { sid: sub.sid, seq: ++sub.seq } : {}
    this.reply({ ...(typeof id === 'number' ? { id } : {}), ...scope, type: 'error', msg: { code, msg: detail ? `${text}: ${detail}` : text } })
  }

  /** True when this command goes over the per-connection command rate (error 27). */
  private rateLimited(): boolean {
    const limit = this.ctx.commandsPerSec
    if (limit <= 0) return false
    const now = Date.now()
    while (this.commandTimes.length > 0 && this.commandTimes[0]! <= now - 1000) this.commandTimes.shift()
    if (this.commandTimes.length >= limit) return true
    this.commandTimes.push(now)
    return false
  }

  private envelope(type: string, sub: Subscription, body: string, withSeq: boolean): string {
    const seq = withSeq ? `,"seq":${++sub.seq}` : ''
    const bench = this.ctx.benchTimestamps ? `,"sent_at_ms":${hostMonotonicMs()}` : ''
    return `{"type":"${type}","sid":${sub.sid}${seq}${bench},"msg":${body}}`
  }

  handleText(text: string): void {
    let cmd: Params
    try {
      const parsed = JSON.parse(text) as unknown
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object')
      cmd = parsed as Params
    } catch {
      return this.error(undefined, 'unable_to_process', 'message is not a JSON object')
    }
    const id = cmd.id
    if (this.rateLimited()) return this.error(id, 'too_many_requests')
    if (isNth(++this.commands, this.ctx.faults.errorEvery)) return this.error(id, 'unable_to_process', 'simulated fault')
    const params = cmd.params
    switch (cmd.cmd) {
      case 'subscribe': return this.subscribe(id, params)
      case 'unsubscribe': return this.unsubscribe(id, params)
      case 'update_subscription': return this.update(id, params)
      case 'list_subscriptions': return this.list(id)
      default: return this.error(id, 'unknown_command', typeof cmd.cmd === 'string' ? cmd.cmd : undefined)
    }
  }

  /** market_ticker (one) and market_tickers (many) are both accepted; undefined when neither is given. */
  private tickersOf(id: unknown, p: Params, sub?: Subscription): string[] | undefined | false {
    const out: string[] = []
    if (p.market_ticker !== undefined) {
      if (typeof p.market_ticker !== 'string') return this.error(id, 'invalid_parameter', 'market_ticker must be a string', sub), false
      out.push(p.market_ticker)
    }
    if (p.market_tickers !== undefined) {
      if (!Array.isArray(p.market_tickers) || !p.market_tickers.every((t) => typeof t === 'string')) {
        return this.error(id, 'invalid_parameter', 'market_tickers must be an array of strings', sub), false
      }
      out.push(...(p.market_tickers as string[]))
    }
    if (out.length === 0) return undefined
    const unknown = out.find((t) => !this.ctx.world.market(t))
    if (unknown) return this.error(id, 'market_not_found', unknown, sub), false
    return [...new Set(out)]
  }

  private subscribe(id: unknown, params: unknown): void {
    if (!params || typeof params !== 'object') return this.error(id, 'params_required')
    const p = params as Params
    if (!Array.isArray(p.channels) || p.channels.length === 0) return this.error(id, 'channels_required')
    const channels = p.channels as unknown[]
    const bad = channels.find((c) => typeof c !== 'string' || (!PUBLIC_CHANNELS.has(c) && !PRIVATE_CHANNELS.has(c)))
    if (bad !== undefined) return this.error(id, 'unknown_channel_name', String(bad))
    if (!this.authenticated && channels.some((c) => PRIVATE_CHANNELS.has(c as string))) return this.error(id, 'authentication_required')
    const tickers = this.tickersOf(id, p)
    if (tickers === false) return
    if (!tickers && channels.some((c) => TICKERS_REQUIRED.has(c as string))) return this.error(id, 'market_ticker_required')
    if (tickers && tickers.length > this.ctx.subscriptionMarketLimit) return this.error(id, 'subscription_market_limit_exceeded', `at most ${this.ctx.subscriptionMarketLimit} markets per subscription`)
    const useYesPrice = typeof p.use_yes_price === 'boolean' ? p.use_yes_price : this.ctx.useYesPriceDefault

    for (const channel of new Set(channels as string[])) {
      // Kalshi retired error 6 ("already subscribed"): a repeat is simply confirmed with the existing sid.
      const existing = [...this.subs.values()].find((s) => s.channel === channel && sameTickers(s, tickers))
      if (existing) {
        this.reply({ id, type: 'subscribed', msg: { channel, sid: existing.sid } })
        continue
      }
      const sub = new Subscription(this, this.nextSid++, channel, !tickers, new Set())
      sub.useYesPrice = channel === 'orderbook_delta' && useYesPrice
      this.subs.set(sub.sid, sub)
      this.ctx.index.add(sub)
      if (tickers) this.ctx.index.addTickers(sub, tickers)
      this.reply({ id, type: 'subscribed', msg: { channel, sid: sub.sid } })
      if (channel === 'orderbook_delta') this.sendSnapshots(sub, tickers!)
      if (channel === 'ticker' && p.send_initial_snapshot === true) {
        const now = Date.now()
        for (const t of tickers ?? this.ctx.world.markets().map((m) => m.ticker)) this.sendData(this.envelope('ticker', sub, tickerBody(this.ctx.world.market(t)!, now, this.ctx.legacyWire), false))
      }
    }
  }

  private sendSnapshots(sub: Subscription, tickers: string[]): void {
    for (const t of tickers) this.sendData(this.envelope('orderbook_snapshot', sub, snapshotBody(this.ctx.world.market(t)!, this.ctx.legacyWire, sub.useYesPrice), true))
  }

  private unsubscribe(id: unknown, params: unknown): void {
    if (!params || typeof params !== 'object') return this.error(id, 'params_required')
    const sids = (params as Params).sids
    if (!Array.isArray(sids) || sids.length === 0) return this.error(id, 'subscription_ids_required')
    const unknown = sids.find((s) => typeof s !== 'number' || !this.subs.has(s))
    if (unknown !== undefined) return this.error(id, 'unknown_subscription_id', String(unknown))
    for (const sid of sids as number[]) {
      const sub = this.subs.get(sid)
      if (!sub) continue
      this.subs.delete(sid)
      this.ctx.index.remove(sub)
      this.reply({ id, sid, type: 'unsubscribed' })
    }
  }

  private update(id: unknown, params: unknown): void {
    if (!params || typeof params !== 'object') return this.error(id, 'params_required')
    const p = params as Params
    const sids = Array.isArray(p.sids) ? p.sids : p.sid !== undefined ? [p.sid] : []
    if (sids.length !== 1) return this.error(id, 'exactly_one_subscription_id_required')
    const sub = typeof sids[0] === 'number' ? this.subs.get(sids[0]) : undefined
    if (!sub) return this.error(id, 'unknown_subscription_id', String(sids[0]))
    if (p.action === undefined) return this.error(id, 'action_required', undefined, sub)
    if (p.action !== 'add_markets' && p.action !== 'delete_markets') return this.error(id, 'unsupported_action', String(p.action), sub)
    const tickers = this.tickersOf(id, p, sub)
    if (tickers === false) return
    if (!tickers) return this.error(id, 'market_ticker_required', undefined, sub)
    if (sub.all) return this.error(id, 'channel_error', `sid ${sub.sid} already covers every market`, sub)
    let added: string[] = []
    if (p.action === 'add_markets') {
      added = tickers.filter((t) => !sub.tickers.has(t))
      if (sub.tickers.size + added.length > this.ctx.subscriptionMarketLimit) return this.error(id, 'subscription_market_limit_exceeded', `at most ${this.ctx.subscriptionMarketLimit} markets per subscription`, sub)
      this.ctx.index.addTickers(sub, added)
    } else {
      this.ctx.index.removeTickers(sub, tickers.filter((t) => sub.tickers.has(t)))
    }
    // The ack carries the sid's next seq (the reference: seq counts orderbook messages and update acks per sid).
    this.reply({ id, sid: sub.sid, seq: ++sub.seq, type: 'ok', msg: { market_tickers: [...sub.tickers] } })
    if (sub.channel === 'orderbook_delta') this.sendSnapshots(sub, added)
  }

  /**
   * Shape from the reference (docs.kalshi.com lists a "List Subscriptions Response" but the search
   * tool could not retrieve its fields): {"id","type":"ok","msg":[{"channel","sid"}, ...]}.
   */
  private list(id: unknown): void {
    this.reply({ id, type: 'ok', msg: [...this.subs.values()].map((s) => ({ channel: s.channel, sid: s.sid })) })
  }

  /** Data for one subscription, built once per event by the publisher. */
  deliver(sub: Subscription, type: string, body: string, withSeq: boolean): void {
    this.sendData(this.envelope(type, sub, body, withSeq))
  }

  /** An orderbook delta, possibly lost on purpose: the seq number is used up, the frame is not sent. */
  deliverDelta(sub: Subscription, body: string): void {
    if (isNth(++sub.deltas, this.ctx.faults.seqGapEvery)) {
      sub.seq++
      return
    }
    this.sendData(this.envelope('orderbook_delta', sub, body, true))
  }
}

function sameTickers(sub: Subscription, tickers: string[] | undefined): boolean {
  if (!tickers) return sub.all
  return !sub.all && sub.tickers.size === tickers.length && tickers.every((t) => sub.tickers.has(t))
}
