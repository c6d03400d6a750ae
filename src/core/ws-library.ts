import { createRequire } from 'node:module'

/**
 * The `ws` package, loaded by require. Its ESM entry imports each of its CommonJS files, and Node
 * scans every one of them for export names before running it: ~35 ms more at the start of every
 * command that streams or serves, against a require of the same code.
 */
export const ws = createRequire(import.meta.url)('ws') as typeof import('ws')
