import type { ClientReply, FloodReply } from './control.js'

/** Resolves once the message is handed to the IPC channel, so an exit right after cannot lose it. */
export function sendToParent(m: ClientReply | FloodReply): Promise<void> {
  return new Promise<void>((resolve) => (process.send ? process.send(m, undefined, {}, () => resolve()) : resolve()))
}

/** Run a child's main; report a failure to the orchestrator before exiting. Exits when done unless told to stay. */
export function runChild(main: () => Promise<void>, stay: boolean): void {
  // The orchestrator went away: never outlive it.
  process.on('disconnect', () => process.exit(0))
  main().then(
    () => { if (!stay) process.exit(0) },
    (error: unknown) => void sendToParent({ type: 'failed', message: (error as Error).stack ?? String(error) }).finally(() => process.exit(1)),
  )
}
