import type { Signer } from '../../auth/signer.js'
import type { NeuralConfig } from '../../config/types.js'
import type { FeeSchedules } from '../../core/fees.js'
import type { Lifecycle } from '../../core/types.js'
import { NeuralError } from '../../errors.js'
import { createExecHook } from './exec.js'
import { createLogHook, type OrderHook } from './hook.js'
import { createKalshiHook, type TimeInForce } from './kalshi.js'
import { createModuleHook } from './module.js'
import { createPaperHook } from './paper.js'

export interface HookDeps {
  /** Where exec commands run and module paths are read from. @default process.cwd() */
  cwd?: string
  /** Needed by `kalshi`: API URL, key, risk limits. */
  config?: NeuralConfig
  /** `--live` was given. */
  live?: boolean
  signer?: Signer
  fetch?: typeof fetch
  timeInForce?: TimeInForce
  startingCashDollars?: number
  /** Fee settings shared with the session, which keeps them current (paper and kalshi). */
  fees?: FeeSchedules
  /** Paper: a market's REST result, for positions the lifecycle channel never settled. */
  outcomeOf?: (ticker: string) => Promise<Pick<Lifecycle, 'result' | 'settlementValue'> | undefined>
}

export const HOOK_SPECS = 'log, paper, exec:<command>, module:<file>, kalshi'

/** Build a hook from a `--hook` value. Bad values throw a one-line input or config error. */
export async function createHook(spec: string, deps: HookDeps = {}): Promise<OrderHook> {
  const s = spec.trim()
  if (s === 'log') return createLogHook()
  if (s === 'paper') return createPaperHook({ startingCashDollars: deps.startingCashDollars, fees: deps.fees, outcomeOf: deps.outcomeOf })
  if (s.startsWith('exec:')) {
    const command = s.slice('exec:'.length).trim()
    if (!command) throw new NeuralError('input', 'HOOK', '--hook exec:<command>: the command is empty')
    return createExecHook(command, { cwd: deps.cwd })
  }
  if (s.startsWith('module:')) {
    const file = s.slice('module:'.length).trim()
    if (!file) throw new NeuralError('input', 'HOOK', '--hook module:<file>: the file is empty')
    return createModuleHook(file, { cwd: deps.cwd })
  }
  if (s === 'kalshi') {
    if (!deps.live) throw new NeuralError('input', 'LIVE_REQUIRED', 'live orders need --live')
    if (!deps.config) throw new NeuralError('config', 'CONFIG', 'the kalshi hook needs the configuration')
    return createKalshiHook({ config: deps.config, live: true, signer: deps.signer, fetch: deps.fetch, timeInForce: deps.timeInForce, fees: deps.fees })
  }
  throw new NeuralError('input', 'HOOK', `unknown hook '${spec}' (one of: ${HOOK_SPECS})`)
}
