/** The worker thread of typecheck.ts: checks the files it is given and posts the report back. */
import { parentPort, workerData } from 'node:worker_threads'
import { findTypeErrors } from './typecheck.js'

const { files, cwd } = workerData as { files: string[]; cwd: string }
findTypeErrors(files, cwd).then(
  (report) => parentPort!.postMessage({ report }),
  (error: unknown) => parentPort!.postMessage({ failure: error instanceof Error ? error.message : String(error) }),
)
