/** Kept apart from nats-connection.ts so that checking a flag does not load the NATS client. */
import { inputError } from '../errors.js'

/** Check a bus URL early, so a typo is an input error rather than a network retry loop. */
export function checkBusUrl(url: string): string {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch (cause) {
    throw inputError('BAD_BUS_URL', `bad NATS url "${url}": expected nats://host:port, e.g. nats://127.0.0.1:4222`, cause)
  }
  if (parsed.protocol !== 'nats:' && parsed.protocol !== 'tls:') {
    throw inputError('BAD_BUS_URL', `bad NATS url "${url}": expected nats://host:port, e.g. nats://127.0.0.1:4222`)
  }
  return url
}
