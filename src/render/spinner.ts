import type { Ora } from 'ora'

/** Progress on stderr. Same API whether or not it shows anything, so callers never branch. */
export interface Spinner {
  start(text: string): Spinner
  update(text: string): Spinner
  succeed(text?: string): Spinner
  fail(text?: string): Spinner
  stop(): Spinner
  readonly enabled: boolean
}

export interface SpinnerOptions {
  /** Under --json nothing but data is written. */
  json: boolean
  /** @default process.stderr */
  stream?: NodeJS.WriteStream
}

/**
 * An ora spinner on stderr when stderr is a terminal and --json is off; otherwise a no-op
 * (ora itself would still print "- text" lines when disabled, which pollutes logs). ora and its
 * dependencies (about 25 ms to load) are imported only when the spinner will show.
 */
export async function createSpinner(options: SpinnerOptions): Promise<Spinner> {
  const stream = options.stream ?? process.stderr
  // A terminal that reports 0 columns (e.g. `script` with no size) sends ora's line clearing into an endless loop.
  if (options.json || !stream.isTTY || !(stream.columns > 0)) return quietSpinner()
  const { default: ora } = await import('ora')
  // discardStdin off: ora's stdin handling would otherwise swallow Ctrl-C handling set up by onShutdown.
  const spinner: Ora = ora({ stream, discardStdin: false })
  const api: Spinner = {
    start(text) {
      spinner.start(text)
      return api
    },
    update(text) {
      spinner.text = text
      return api
    },
    succeed(text) {
      spinner.succeed(text)
      return api
    },
    fail(text) {
      spinner.fail(text)
      return api
    },
    stop() {
      spinner.stop()
      return api
    },
    enabled: true,
  }
  return api
}

/** A spinner that shows nothing: for --json, and for sessions running beside another that reports progress. */
export function quietSpinner(): Spinner {
  const api: Spinner = {
    start: () => api,
    update: () => api,
    succeed: () => api,
    fail: () => api,
    stop: () => api,
    enabled: false,
  }
  return api
}
