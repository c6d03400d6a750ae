/** Kalshi hosts, in one table. Every URL can be overridden (KALSHI_API_URL, KALSHI_WS_URL). */
export type Environment = 'production' | 'demo' | 'sim'

export const ENDPOINTS: Record<Exclude<Environment, 'sim'>, { apiUrl: string; wsUrl: string }> = {
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

/** The WebSocket path that is signed on the handshake. */
export const WS_PATH = '/trade-api/ws/v2'
/** The REST path prefix. */
export const API_PATH = '/trade-api/v2'
