// Mocha adds the files named on its command line to the config's `spec` instead of replacing it,
// so `npx mocha test/x.test.ts` would run the whole suite: the default applies only when none is named.
// A .suite.ts file is part of the test file that imports it, to run in that file's worker process,
// and can be named alone.
const named = process.argv.slice(2).some((arg) => /\.(test|suite)\.ts$/.test(arg))

// One cache folder for every test process and every CLI child they start (children inherit it): the
// strategy type check's remembered outcomes (src/strategy/typecheck-cache.ts) then spare the suite the
// dozens of checks of the same sample strategies, and a developer's own ~/.cache is left alone.
process.env.XDG_CACHE_HOME = require('node:path').join(require('node:os').tmpdir(), `neural-test-cache-${process.getuid?.() ?? 'user'}`)

// The whole suite's tests of the built CLI each call ensureBuilt (test/commands/helpers.ts), in four
// worker processes: with src newer than dist, all four would run tsc at once, writing files that
// other tests' children are loading. Built here once instead, before any worker starts (`npm test`
// has just built, so this is one stat of each source file).
const { buildState } = require('tsx/cjs/api').require('./bench/built.ts', __filename)
let build = buildState()
if (!named && build !== 'current') {
  require('node:child_process').execFileSync('npm', ['run', 'build'], { stdio: ['ignore', 2, 2] })
  build = buildState()
}

// Worker threads started by tests in these processes (strategies, backtests, type checks) run the
// built modules, as the CLI's do, when dist/ is a build of the current src/ (src/strategy/worker-entry.ts):
// from source each would load neural through tsx, about half a CPU-second more per thread.
if (build === 'current') process.env.NEURAL_THREADS_FROM_DIST = '1'

// The sample strategies' type checks, once, in one thread, before any worker starts: the first test
// files start CLI children that check them at the same moment, and with an empty cache (a fresh
// clone, or a new build of typecheck.ts) each child checked them itself and compiled the compiler
// without its code cache, a CPU-second or two each. Outcomes go to the shared cache folder above.
if (!named && build === 'current') {
  const warm = "const { typecheckStrategyFiles, checkTypes } = await import('./dist/strategy/typecheck.js')\n" +
    // A sample that fails its check is the tests' to report, not this optimisation's.
    'for (const file of process.argv.slice(1)) await typecheckStrategyFiles([file], { check: checkTypes }).catch(() => undefined)'
  try {
    const samples = require('node:fs').readdirSync('strategies').filter((f) => f.endsWith('.ts')).map((f) => require('node:path').resolve('strategies', f))
    require('node:child_process').execFileSync(process.execPath, ['--input-type=module', '-e', warm, ...samples], { stdio: ['ignore', 2, 2] })
  } catch {
    // Without the warm-up each child checks as it would anyway.
  }
}

/**
 * Every test file, the longest-running first: the workers share the files in this order, and a
 * 30-second file started last would leave the others idle at the end (longest first keeps the tail
 * short). The list is a hint from serial timings; a file not named keeps its alphabetical place.
 */
const LONGEST_FIRST = [
  'commands/run-strategy', 'history/cli', 'reliability/slow-reader', 'bus/cli-bus', 'reliability/order-restart',
  'reliability/strategy-cage', 'strategy/typecheck', 'commands/newcomer', 'reliability/stream-faults', 'commands/startup-modules', 'history/backtest-thread',
  'commands/nfl-game-state', 'reliability/health', 'reliability/strategy-faults', 'commands/process-lifecycle',
  'sim/ws-channels', 'commands/settlement', 'reliability/record-full-disk',
].map((name) => `test/${name}.test.ts`)

function allTestFiles() {
  const { readdirSync } = require('node:fs')
  const files = readdirSync('test', { recursive: true })
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => `test/${f.split(require('node:path').sep).join('/')}`)
    .sort()
  return [...LONGEST_FIRST.filter((f) => files.includes(f)), ...files.filter((f) => !LONGEST_FIRST.includes(f))]
}

module.exports = {
  'node-option': ['import=tsx'],
  spec: named ? [] : allTestFiles(),
  // Many tests wait on sockets, child processes and timers rather than compute, so several files at
  // a time overlap the waits on two cores. Measured side by side on a 2-core machine (warm caches):
  // 4 jobs 103-108 s wall, 6 jobs 90-94 s, 8 jobs 88 s; on a busier host where the cores were
  // already ~92% busy, 5 jobs made no difference. A single named file runs in this process (easier
  // to debug).
  parallel: !named,
  jobs: 6,
  timeout: 20000,
  exit: true,
  reporter: './test/support/summary-reporter.cjs',
}
