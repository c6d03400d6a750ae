// The sample strategy as run-strategy runs it (its own worker thread), pointed at the benchmark markets.
import type { Strategy } from '../../src/strategy/api.js'
import sample from '../../strategies/arb.js'

export default { ...(sample as Strategy), markets: ['KXSIMBENCH*'] } satisfies Strategy
