/** Channel names: ours (what the user types and sees) and Kalshi's (what goes on the wire). */

export type ChannelName = 'ticker' | 'trade' | 'orderbook' | 'lifecycle' | 'fill'

/** Our channel names → Kalshi's. */
export const WIRE_CHANNELS: Readonly<Record<ChannelName, string>> = {
  ticker: 'ticker',
  trade: 'trade',
  orderbook: 'orderbook_delta',
  lifecycle: 'market_lifecycle_v2',
  fill: 'fill',
}
const OUR_CHANNELS: Readonly<Record<string, ChannelName>> = Object.fromEntries(Object.entries(WIRE_CHANNELS).map(([k, v]) => [v, k as ChannelName]))

/** Our name for a wire channel (the wire name itself for a channel we do not know). */
export function ourChannel(wireChannel: string): string {
  return OUR_CHANNELS[wireChannel] ?? wireChannel
}

/** Channels subscribed per market; the others are subscribed once for all markets and filtered here. */
export const MARKET_CHANNELS: ReadonlySet<string> = new Set(['ticker', 'trade', 'orderbook_delta'])
