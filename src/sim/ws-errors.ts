/**
 * The simulator answers with the same error table as the client reads (src/core/ws-errors.ts, from
 * Kalshi's documents): one table, so the two cannot disagree about a code.
 */
export { WS_ERROR, type WsErrorName } from '../core/ws-errors.js'
