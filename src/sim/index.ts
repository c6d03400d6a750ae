/** The Kalshi-compatible exchange simulator: one NFL week plus a few other markets, REST and WebSocket on one port. */
export { startSimulator, WS_PATH, type SimOptions, type Simulator } from './server.js'
export type { SimFaults } from './faults.js'
export { SimWorld, type SimMarket, type SimEvent, type SimSeries, type MarketStatus, type BookUnits, type TradeRecord, type WorldEvent } from './world.js'
export { TEAM_NAMES, WEEK_ONE } from './schedule.js'
