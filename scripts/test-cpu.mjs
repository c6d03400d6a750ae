#!/usr/bin/env node
/**
 * Where the test suite's CPU goes: each test file run alone (`mocha FILE`, after one build), with
 * the CPU-seconds of mocha and every process it started, heaviest first. Each figure includes about
 * a CPU-second of mocha and tsx start-up, which the parallel suite pays once per worker instead.
 *
 *   node scripts/test-cpu.mjs [FILTER]     e.g. node scripts/test-cpu.mjs history/
 */
import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)))
const filter = process.argv[2] ?? ''
const files = readdirSync(path.join(root, 'test'), { recursive: true })
  .map((f) => `test/${String(f).split(path.sep).join('/')}`)
  .filter((f) => f.endsWith('.test.ts') && f.includes(filter))
  .sort()

const build = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' })
if (build.status !== 0) process.exit(build.status ?? 1)

const rows = []
for (const file of files) {
  // bash's `time` counts the processes mocha started and waited for, as Node's own figures would not.
  const script = 'TIMEFORMAT="%U %S %R"; time node_modules/.bin/mocha "$0" >/dev/null 2>&1; s=$?; exit $s'
  const r = spawnSync('bash', ['-c', script, file], { cwd: root, encoding: 'utf8' })
  const [user, sys, wall] = r.stderr.trim().split('\n').at(-1).split(' ').map(Number)
  rows.push({ file, cpuS: user + sys, wallS: wall, ok: r.status === 0 })
  process.stderr.write(`${(user + sys).toFixed(1).padStart(6)} CPU-s ${wall.toFixed(1).padStart(6)} s  ${r.status === 0 ? '' : 'FAILED '}${file}\n`)
}
rows.sort((a, b) => b.cpuS - a.cpuS)
console.log('CPU-s   wall-s  file')
for (const r of rows) console.log(`${r.cpuS.toFixed(1).padStart(6)}  ${r.wallS.toFixed(1).padStart(6)}  ${r.ok ? '' : 'FAILED '}${r.file}`)
const total = rows.reduce((s, r) => s + r.cpuS, 0)
console.log(`${total.toFixed(1).padStart(6)}  total over ${rows.length} files`)
if (rows.some((r) => !r.ok)) process.exit(1)
