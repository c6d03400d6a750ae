/**
 * Clean exit on Ctrl-C / SIGTERM, and when the reader of stdout goes away: registered handlers run
 * once (newest first, one after another) so streaming commands can flush files and print summaries,
 * then the process exits 130 (SIGINT), 143 (SIGTERM) or, for a closed stdout, 0 unless a handler
 * returns another code (a run that never got connected must not look like a success). A second
 * signal while handlers run exits at once, and so does the deadline: whatever a handler waits on
 * (a socket close, a hung hook), the process is gone within a second of being asked.
 */

/** Why the process is stopping. */
export type StopReason = 'SIGINT' | 'SIGTERM' | 'output-closed'

/** A handler may return an exit code to use instead of the reason's (only honoured for 'output-closed'). */
type Handler = (reason: StopReason) => void | number | Promise<void | number>

const handlers: Handler[] = []
let installed = false
let shuttingDown = false

const EXIT_FOR: Record<StopReason, number> = { SIGINT: 130, SIGTERM: 143, 'output-closed': 0 }

/** How long handlers may take before the process exits anyway. */
export const SHUTDOWN_DEADLINE_MS = 900

/** Run `fn` once when the process is asked to stop. Returns a function that unregisters it. */
export function onShutdown(fn: Handler): () => void {
  installShutdown()
  handlers.push(fn)
  return () => {
    const i = handlers.indexOf(fn)
    if (i !== -1) handlers.splice(i, 1)
  }
}

/** True once a stop has begun (output written after it is best effort). */
export function stopping(): boolean {
  return shuttingDown
}

/** Run the handlers and exit. Only the first call does anything. */
export async function shutdown(reason: StopReason): Promise<never> {
  if (shuttingDown) return new Promise<never>(() => undefined)
  shuttingDown = true
  let exitCode = EXIT_FOR[reason]
  // Not unref'd: this timer is what guarantees the exit when a handler never settles.
  setTimeout(() => process.exit(exitCode), SHUTDOWN_DEADLINE_MS)
  while (handlers.length > 0) {
    const fn = handlers.pop()!
    try {
      const code = await fn(reason)
      if (typeof code === 'number' && reason === 'output-closed') exitCode = code
    } catch (error) {
      process.stderr.write(`error: during shutdown: ${(error as Error)?.message ?? String(error)}\n`)
    }
  }
  process.exit(exitCode)
}

/**
 * Take over SIGINT/SIGTERM and EPIPE on stdout for the whole life of the command (called when a
 * command starts, so a signal during config loading or the first connect also exits 130/143).
 */
export function installShutdown(): void {
  if (installed) return
  installed = true
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (shuttingDown) process.exit(EXIT_FOR[signal])
      void shutdown(signal)
    })
  }
  // oclif swallows EPIPE on stdout (lib/command.js), so human output into `| head -1` would run forever.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') void shutdown('output-closed')
  })
}
