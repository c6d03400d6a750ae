import { Flags } from '@oclif/core'

/** Flags shared by the streaming commands, declared once so their help reads the same everywhere. */
export const durationFlag = Flags.string({ description: 'stop after this many seconds' })
