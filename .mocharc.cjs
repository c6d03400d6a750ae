// Mocha adds the files named on its command line to the config's `spec` instead of replacing it,
// so `npx mocha test/x.test.ts` would run the whole suite: the default applies only when none is named.
const named = process.argv.slice(2).some((arg) => /\.test\.ts$/.test(arg))

// One cache folder for every test process and every CLI child they start (children inherit it): the
// strategy type check's remembered passes (src/strategy/typecheck-cache.ts) then spare the suite the
// dozens of checks of the same sample strategies, and a developer's own ~/.cache is left alone.
process.env.XDG_CACHE_HOME = require('node:path').join(require('node:os').tmpdir(), `neural-test-cache-${process.getuid?.() ?? 'user'}`)

module.exports = {
  'node-option': ['import=tsx'],
  spec: named ? [] : ['test/**/*.test.ts'],
  // Most tests wait on sockets, child processes and timers rather than compute, so three files at a
  // time overlap the waits on two cores; a single named file runs in this process (easier to debug).
  parallel: !named,
  jobs: 3,
  timeout: 20000,
  exit: true,
  reporter: './test/support/summary-reporter.cjs',
}
