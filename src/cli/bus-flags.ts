/** The NATS bus flags of `neural stream` and `neural run-strategy`, checked and turned into settings. */
import { checkBusUrl } from '../bus/bus-url.js'
import { inputError } from '../errors.js'
import type { BusFeedOptions } from '../bus/bus-feed.js'
import type { BusPublishSettings } from '../bus/bus-relay.js'
import { secondsToMs } from './flags.js'

export interface BusFlagValues {
  publish?: string
  source?: string
  jetstream?: string
  'jetstream-max-age'?: string
  'jetstream-max-msgs'?: string
  'snapshot-every'?: string
}

export interface BusSettings {
  publish?: BusPublishSettings
  source?: BusFeedOptions
}

/**
 * Throws input error on a bad url or a flag that means nothing in this combination, so a typo stops
 * the command before anything connects. `deliver`: where a JetStream consumer starts (see BusFeedOptions).
 */
export function busSettings(flags: BusFlagValues, deliver: 'all' | 'new'): BusSettings {
  if (flags.publish !== undefined && flags.source !== undefined) {
    throw inputError('BAD_BUS_FLAGS', '--publish and --source cannot go together: a process either publishes the exchange feed or reads the bus')
  }
  const needs = (flag: keyof BusFlagValues, what: string) => {
    if (flags[flag] !== undefined) throw inputError('BAD_BUS_FLAGS', `--${flag} needs ${what}`)
  }
  if (flags.publish === undefined && flags.source === undefined) needs('jetstream', '--publish or --source (e.g. --publish nats://127.0.0.1:4222 --jetstream NEURAL)')
  if (flags.publish === undefined) needs('snapshot-every', '--publish')
  if (flags.publish === undefined || flags.jetstream === undefined) {
    needs('jetstream-max-age', '--publish with --jetstream (it limits the stream it creates)')
    needs('jetstream-max-msgs', '--publish with --jetstream (it limits the stream it creates)')
  }
  if (flags.jetstream !== undefined && !/^[A-Za-z0-9_-]+$/.test(flags.jetstream)) {
    throw inputError('BAD_BUS_FLAGS', `--jetstream: a stream name is letters, digits, "-" and "_" (e.g. --jetstream NEURAL), got ${JSON.stringify(flags.jetstream)}`)
  }
  if (flags.source !== undefined) {
    checkUrl(flags.source)
    return { source: { url: flags.source, ...(flags.jetstream ? { jetstream: { stream: flags.jetstream, deliver } } : {}) } }
  }
  if (flags.publish !== undefined) {
    checkUrl(flags.publish)
    const maxAgeMs = secondsToMs('jetstream-max-age', flags['jetstream-max-age'])
    const maxMsgs = wholeNumber('jetstream-max-msgs', flags['jetstream-max-msgs'])
    return {
      publish: {
        url: flags.publish,
        snapshotEveryMs: secondsToMs('snapshot-every', flags['snapshot-every']),
        ...(flags.jetstream ? { jetstream: { stream: flags.jetstream, maxAgeMs, maxMsgs } } : {}),
      },
    }
  }
  return {}
}

/** checkBusUrl, and a host: `nats://` alone parses as a URL but names no server. */
function checkUrl(url: string): void {
  checkBusUrl(url)
  if (new URL(url).hostname === '') throw inputError('BAD_BUS_URL', `bad NATS url "${url}": expected nats://host:port, e.g. nats://127.0.0.1:4222`)
}

function wholeNumber(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined
  if (!/^\s*\d+\s*$/.test(text) || Number(text) < 1) throw inputError('BAD_BUS_FLAGS', `--${flag}: expected a whole number ≥ 1 (e.g. --${flag} 100000), got ${JSON.stringify(text)}`)
  return Number(text)
}
