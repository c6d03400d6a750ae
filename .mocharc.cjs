// Mocha adds the files named on its command line to the config's `spec` instead of replacing it,
// so `npx mocha test/x.test.ts` would run the whole suite: the default applies only when none is named.
const named = process.argv.slice(2).some((arg) => /\.test\.ts$/.test(arg))

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
