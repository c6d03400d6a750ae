/**
 * Kalshi hosts, in one table. Every URL can be overridden (KALSHI_API_URL, KALSHI_WS_URL).
 *
 * Source: the `servers` list of Kalshi's current OpenAPI document (production
 * external-api.kalshi.com first, api.elections.kalshi.com "also supported"; demo
 * external-api.demo.kalshi.co first, demo-api.kalshi.co "also supported") and the WebSocket quick
 * start (wss://external-api-ws.kalshi.com, wss://external-api-ws.demo.kalshi.co; the shared hosts
 * "remain supported").
 */
export type Environment = 'production' | 'demo' | 'sim'

export interface Endpoints { apiUrl: string; wsUrl: string }

/** The hosts Kalshi names first. */
export const ENDPOINTS: Record<Exclude<Environment, 'sim'>, Endpoints> = {
  production: {
    apiUrl: 'https://external-api.kalshi.com/trade-api/v2',
    wsUrl: 'wss://external-api-ws.kalshi.com/trade-api/ws/v2',
  },
  demo: {
    apiUrl: 'https://external-api.demo.kalshi.co/trade-api/v2',
    wsUrl: 'wss://external-api-ws.demo.kalshi.co/trade-api/ws/v2',
  },
}

/** The shared hosts Kalshi still supports; accepted wherever a URL is given. */
export const ALSO_SUPPORTED: Record<Exclude<Environment, 'sim'>, Endpoints> = {
  // api.elections.kalshi.com serves every market despite its name.
  production: {
    apiUrl: 'https://api.elections.kalshi.com/trade-api/v2',
    wsUrl: 'wss://api.elections.kalshi.com/trade-api/ws/v2',
  },
  demo: {
    apiUrl: 'https://demo-api.kalshi.co/trade-api/v2',
    wsUrl: 'wss://demo-api.kalshi.co/trade-api/ws/v2',
  },
}

/** Which Kalshi environment a URL points at (any listed host, REST or WebSocket), or undefined for other servers. */
export function kalshiEnvironmentOf(url: string): Exclude<Environment, 'sim'> | undefined {
  let host: string
  try {
    host = new URL(url).hostname
  } catch {
    return undefined
  }
  for (const env of ['production', 'demo'] as const) {
    for (const e of [ENDPOINTS[env], ALSO_SUPPORTED[env]]) {
      if (new URL(e.apiUrl).hostname === host || new URL(e.wsUrl).hostname === host) return env
    }
  }
  return undefined
}

/** The WebSocket path that is signed on the handshake. */
export const WS_PATH = '/trade-api/ws/v2'
/** The REST path prefix. */
export const API_PATH = '/trade-api/v2'
