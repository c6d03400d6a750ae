// Mocha's spec output, plus the plain closing line CI reads: "N passed, N failed[, N skipped]".
const { reporters } = require('mocha')

class SummaryReporter extends reporters.Spec {
  constructor(runner, options) {
    super(runner, options)
    runner.once('end', () => {
      const s = runner.stats
      process.stdout.write(`${s.passes} passed, ${s.failures} failed${s.pending ? `, ${s.pending} skipped` : ''}\n`)
    })
  }
}

module.exports = SummaryReporter
