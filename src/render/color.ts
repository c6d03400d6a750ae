import { Chalk, supportsColor, supportsColorStderr, type ChalkInstance } from 'chalk'

/**
 * Whether to colour output written to `stream`. chalk 5.6 does not read NO_COLOR (checked in its
 * vendored supports-color), so it is handled here: NO_COLOR (non-empty, per no-color.org) turns
 * colour off, FORCE_COLOR turns it on, otherwise colour only on a terminal.
 * Returns a chalk level: 0 none, 1 basic, 2 256, 3 truecolor.
 */
export function colorLevel(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): 0 | 1 | 2 | 3 {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 0
  const force = env.FORCE_COLOR
  if (force !== undefined) {
    if (force === '0' || force === 'false') return 0
    const n = Number.parseInt(force, 10)
    return (Number.isNaN(n) ? 1 : Math.min(Math.max(n, 1), 3)) as 1 | 2 | 3
  }
  if (!stream.isTTY) return 0
  // For the real stdout/stderr, chalk knows the terminal (TERM=dumb gives 0); any other TTY gets basic colour.
  if (stream === process.stdout) return supportsColor ? supportsColor.level : 0
  if (stream === process.stderr) return supportsColorStderr ? supportsColorStderr.level : 0
  return 1
}

/** A chalk instance for `stream`, honouring NO_COLOR and TTY-ness. */
export function chalkFor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): ChalkInstance {
  return new Chalk({ level: colorLevel(stream, env) })
}
