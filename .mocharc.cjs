// Mocha adds the files named on its command line to the config's `spec` instead of replacing it,
// so `npx mocha test/x.test.ts` would run the whole suite: the default applies only when none is named.
const named = process.argv.slice(2).some((arg) => /\.test\.ts$/.test(arg))

module.exports = {
  'node-option': ['import=tsx'],
  spec: named ? [] : ['test/**/*.test.ts'],
  timeout: 20000,
  exit: true,
  reporter: './test/support/summary-reporter.cjs',
}
