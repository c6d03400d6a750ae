/** The benchmark's figures of the built CLI are figures of old code unless the build is current. */
import { existsSync, readdirSync, statSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('..', import.meta.url))

/** The newest mtime under `dir` of files ending in `ext`. */
function newest(dir: string, ext: string): number {
  let max = 0
  for (const name of readdirSync(dir)) {
    const file = path.join(dir, name)
    const info = statSync(file)
    if (info.isDirectory()) max = Math.max(max, newest(file, ext))
    else if (name.endsWith(ext)) max = Math.max(max, info.mtimeMs)
  }
  return max
}

/**
 * Whether dist/ is a build of the current src/: npm run build writes the manifest last, after tsc
 * (incremental, so it leaves unchanged outputs and their times alone), so a manifest newer than every
 * source file means a current build. 'missing' when there is no build at all. The tests that run the
 * built CLI (test/commands/helpers.ts) ask the same question.
 */
export function buildState(): 'current' | 'stale' | 'missing' {
  const manifest = path.join(ROOT, 'oclif.manifest.json')
  if (!existsSync(path.join(ROOT, 'dist', 'commands', 'stream.js')) || !existsSync(manifest)) return 'missing'
  return newest(path.join(ROOT, 'src'), '.ts') > statSync(manifest).mtimeMs ? 'stale' : 'current'
}

export function checkBuilt(): void {
  const state = buildState()
  if (state === 'missing') throw new Error('no build to measure: run npm run build (npm run bench does)')
  if (state === 'stale') throw new Error('the build is older than src/: run npm run build (npm run bench does)')
}
