/** The backtest for people: a table, an equity curve drawn in the terminal, and a self-contained HTML page. */
import type { BacktestDetail, BacktestReport } from './backtest.js'
import type { EquityPoint } from './ledger.js'

const money = (d: number) => `${d < 0 ? '-' : ''}$${Math.abs(d).toFixed(2)}`

/** 'history before <time>' for a run stopped by Ctrl-C / SIGTERM: what its report covers. */
export function historyBefore(r: BacktestReport): string | undefined {
  return r.interruptedAtMs === undefined ? undefined : `history before ${new Date(r.interruptedAtMs).toISOString()}`
}

export function formatBacktest(r: BacktestReport): string {
  const rows = r.games.map((g) => [g.game, String(g.fills), money(g.feesDollars), money(g.pnlDollars)])
  const head = ['game', 'fills', 'fees', 'P&L']
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)))
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(width[i]!) : c.padStart(width[i]!))).join('  ')
  const t = r.total
  const covered = historyBefore(r)
  return [
    `Backtest of ${r.strategy}${covered ? ` (interrupted: ${covered})` : ''}`,
    line(head),
    ...rows.map(line),
    `total: ${t.fills} fills, fees ${money(t.feesDollars)}, P&L ${money(t.pnlDollars)}, hit rate ${(t.hitRate * 100).toFixed(1)}%, ` +
      `max drawdown ${money(t.maxDrawdownDollars)}, peak exposure ${money(t.exposureDollars)}`,
  ].join('\n')
}

/** Equity (realised P&L, dollars) against fill/settlement number, as rows of block characters. */
export function equityChart(curve: readonly EquityPoint[], width = 60, height = 8): string {
  if (curve.length === 0) return '(no fills: no equity curve)'
  const values = [0, ...curve.map((p) => p.equityUnits / 10_000)]
  const cols = Math.min(width, values.length)
  const sampled = Array.from({ length: cols }, (_, i) => values[Math.round((i * (values.length - 1)) / Math.max(1, cols - 1))]!)
  const lo = Math.min(...sampled)
  const hi = Math.max(...sampled)
  const span = hi - lo || 1
  const levels = sampled.map((v) => Math.round(((v - lo) / span) * (height - 1)))
  const out: string[] = []
  for (let row = height - 1; row >= 0; row--) {
    const label = row === height - 1 ? money(hi) : row === 0 ? money(lo) : ''
    out.push(`${label.padStart(10)} │${levels.map((l) => (l === row ? '●' : l > row ? '│' : ' ')).join('')}`)
  }
  out.push(`${''.padStart(10)} └${'─'.repeat(cols)} ${curve.length} fills and settlements`)
  return out.join('\n')
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)

/** One HTML file with no outside references: an SVG equity curve and the per-game table. */
export function htmlReport(d: BacktestDetail): string {
  const r = d.report
  const w = 800
  const h = 260
  const values = [0, ...d.curve.map((p) => p.equityUnits / 10_000)]
  const lo = Math.min(...values)
  const hi = Math.max(...values)
  const span = hi - lo || 1
  const points = values.map((v, i) => `${((i / Math.max(1, values.length - 1)) * (w - 60) + 50).toFixed(1)},${(h - 20 - ((v - lo) / span) * (h - 40)).toFixed(1)}`).join(' ')
  const zeroY = (h - 20 - ((0 - lo) / span) * (h - 40)).toFixed(1)
  const t = r.total
  const covered = historyBefore(r)
  const rows = r.games.map((g) => `<tr><td>${esc(g.game)}</td><td>${g.fills}</td><td>${money(g.feesDollars)}</td><td class="${g.pnlDollars < 0 ? 'neg' : 'pos'}">${money(g.pnlDollars)}</td></tr>`).join('\n')
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Backtest: ${esc(r.strategy)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse}td,th{padding:4px 10px;border-bottom:1px solid #ddd;text-align:right}td:first-child,th:first-child{text-align:left}.neg{color:#b00}.pos{color:#060}svg{background:#fafafa;border:1px solid #ddd}</style>
</head><body>
<h1>Backtest: ${esc(r.strategy)}</h1>${covered ? `\n<p><b>Interrupted</b>: ${esc(covered)}.</p>` : ''}
<p>${t.fills} fills, fees ${money(t.feesDollars)}, P&amp;L <b>${money(t.pnlDollars)}</b>, hit rate ${(t.hitRate * 100).toFixed(1)}%, max drawdown ${money(t.maxDrawdownDollars)}, peak exposure ${money(t.exposureDollars)}.</p>
<h2>Equity curve</h2>
<svg id="equity" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img" aria-label="equity curve">
<line x1="50" x2="${w - 10}" y1="${zeroY}" y2="${zeroY}" stroke="#bbb" stroke-dasharray="4 4"/>
<text x="4" y="24" font-size="12">${money(hi)}</text><text x="4" y="${h - 20}" font-size="12">${money(lo)}</text>
<polyline fill="none" stroke="#1f5fbf" stroke-width="2" points="${points}"/>
</svg>
<p>Realised P&amp;L after each fill and settlement (open positions at cost).</p>
<h2>Games</h2>
<table id="games"><thead><tr><th>game</th><th>fills</th><th>fees</th><th>P&amp;L</th></tr></thead>
<tbody>
${rows}
</tbody></table>
</body></html>
`
}
