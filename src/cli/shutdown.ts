/**
 * Clean exit on Ctrl-C / SIGTERM: registered handlers run once (newest first, one after another) so
 * streaming commands can flush files and print summaries, then the process exits 130 (SIGINT) or
 * 143 (SIGTERM). A second signal while handlers run exits at once.
 */

type Handler = () => void | Promise<void>

const handlers: Handler[] = []
let installed = false
let shuttingDown = false

const EXIT_FOR_SIGNAL = { SIGINT: 130, SIGTERM: 143 } as const

/** Run `fn` once when the process is asked to stop. Returns a function that unregisters it. */
export function onShutdown(fn: Handler): () => void {
  install()
  handlers.push(fn)
  return () => {
    const i = handlers.indexOf(fn)
    if (i !== -1) handlers.splice(i, 1)
  }
}

/**
 * Run the handlers and exit with `exitCode`. Used by the signals, and by the NDJSON writer when the
 * reader goes away (exit 0). Only the first call does anything.
 */
export async function shutdown(exitCode: number): Promise<never> {
  if (shuttingDown) return new Promise<never>(() => undefined)
  shuttingDown = true
  while (handlers.length > 0) {
    const fn = handlers.pop()!
    try {
      await fn()
    } catch (error) {
      process.stderr.write(`error: during shutdown: ${(error as Error)?.message ?? String(error)}\n`)
    }
  }
  process.exit(exitCode)
}

function install(): void {
  if (installed) return
  installed = true
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (shuttingDown) process.exit(EXIT_FOR_SIGNAL[signal])
      void shutdown(EXIT_FOR_SIGNAL[signal])
    })
  }
}
