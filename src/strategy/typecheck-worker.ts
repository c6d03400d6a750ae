/** The worker thread of typecheck.ts: checks the files it is given and posts the report back. */
import { parentPort, workerData } from 'node:worker_threads'
import { checkTypes } from './typecheck.js'

const { files, cwd } = workerData as { files: string[]; cwd: string }
checkTypes(files, cwd).then(
  (result) => parentPort!.postMessage({ result }),
  (error: unknown) => parentPort!.postMessage({ failure: error instanceof Error ? error.message : String(error) }),
)
