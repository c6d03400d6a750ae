import { Flags } from '@oclif/core'

/** Flags shared by the streaming commands, declared once so their help reads the same everywhere. */
export const durationFlag = Flags.string({ description: 'stop after this many seconds' })

/** run-strategy, backtest and dashboard: `--no-typecheck` loads .ts strategies without checking their types first. */
export const typecheckFlag = Flags.boolean({
  default: true,
  allowNo: true,
  description: "type-check .ts strategies against neural's types before running them (--no-typecheck: skip)",
})
