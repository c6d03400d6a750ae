/**
 * Kalshi's WebSocket error codes (AsyncAPI "Error Codes Reference", docs.kalshi.com/asyncapi.yaml;
 * checked via the search tool). 6 ("already subscribed") is retired: "Not emitted. The number stays
 * reserved." Codes above 13, as documented: 14 market ticker required, 15 action required,
 * 16–17 unassigned, 18 command timeout, ... 25 subscription buffer overflow, 26 subscription market
 * limit exceeded, 27 too many requests. There is no code for an unknown market ticker, so the
 * simulator answers 11 (invalid parameter).
 */
export const WS_ERROR = {
  unableToProcess: [1, 'Unable to process message'],
  paramsRequired: [2, 'Params required'],
  channelsRequired: [3, 'Channels required'],
  sidsRequired: [4, 'Subscription IDs required'],
  unknownCommand: [5, 'Unknown command'],
  unknownSid: [7, 'Unknown subscription ID'],
  unknownChannel: [8, 'Unknown channel name'],
  authRequired: [9, 'Authentication required'],
  channelError: [10, 'Channel error'],
  invalidParameter: [11, 'Invalid parameter'],
  exactlyOneSid: [12, 'Exactly one subscription ID is required'],
  unsupportedAction: [13, 'Unsupported action'],
  marketTickerRequired: [14, 'Market ticker required'],
  actionRequired: [15, 'Action required'],
} as const satisfies Record<string, readonly [number, string]>

export type WsErrorName = keyof typeof WS_ERROR
