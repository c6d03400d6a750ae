import { stat } from 'node:fs/promises'
import path from 'node:path'
import type { MarketStoreView } from '../../core/market-store.js'
import { NeuralError } from '../../errors.js'
import type { SignalEvent } from '../events.js'
import { frozenCopy, readOnlyStore } from '../read-only.js'
import { describeImportError, importUserModule } from '../user-module.js'
import type { HookContext, HookResult, OrderHook } from './hook.js'

/** What a `--hook module:<file>` function receives besides the signal. */
export interface ModuleHookContext {
  store: MarketStoreView
  now(): number
}

export type SignalHandler = (signal: Readonly<SignalEvent>, ctx: ModuleHookContext) => unknown

function hookLoadError(file: string, what: string, cause?: unknown): NeuralError {
  return new NeuralError('input', 'HOOK_LOAD', `--hook module:${file}: ${what}`, { cause })
}

/**
 * `--hook module:<file>`: a user file whose default export is a function (or which exports
 * `onSignal`), called with each signal. Loaded like a strategy, without a build step. A throw or
 * rejection is reported by the engine and the run goes on.
 */
export async function createModuleHook(file: string, options: { cwd?: string } = {}): Promise<OrderHook> {
  const abs = path.resolve(options.cwd ?? process.cwd(), file)
  if (!(await stat(abs).catch(() => undefined))?.isFile()) throw hookLoadError(file, 'file not found')
  let ns: Record<string, unknown>
  try {
    ns = await importUserModule(abs)
  } catch (error) {
    throw hookLoadError(file, await describeImportError(error, abs), error)
  }
  const d = ns.default as Record<string, unknown> | undefined
  const fn = typeof ns.default === 'function' ? ns.default
    : typeof ns.onSignal === 'function' ? ns.onSignal
      : d !== null && typeof d === 'object' && typeof d.onSignal === 'function' ? (d.onSignal as SignalHandler).bind(d)
        : undefined
  if (!fn) throw hookLoadError(file, 'exports no function (export default function (signal) { ... } or export function onSignal)')
  const handler = fn as SignalHandler
  return {
    name: `module:${file}`,
    async handle(signal: SignalEvent, ctx: HookContext): Promise<HookResult> {
      await handler(frozenCopy(signal), { store: readOnlyStore(ctx.store), now: () => ctx.now() })
      return { status: 'sent' }
    },
  }
}
