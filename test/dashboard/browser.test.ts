/**
 * `neural dashboard` in a real browser: Debian's chromium, headless, driven by puppeteer-core. The
 * test reads the same event stream as the page and checks that what the page shows is what the
 * stream said, for a game, a market and the paper portfolio.
 */
import { expect } from 'chai'
import { existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import puppeteer, { type Browser } from 'puppeteer-core'
import { formatScoreLine } from '../../src/nfl/game-state.js'
import { ensureBuilt, jsonLines, Neural, tempDir, waitFor } from '../commands/helpers.js'
import { readEvents } from './sse.js'

const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium'

type Rec = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

describe('neural dashboard in headless chromium', function () {
  this.timeout(120_000)
  let browser: Browser | undefined
  let neural: Neural | undefined
  const tmp = tempDir('neural-dashboard-')
  const readers = new AbortController()

  before(async function () {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: apt-get install chromium (.ci/run does), or set CHROMIUM_BIN`)
    await ensureBuilt()
  })

  after(async () => {
    readers.abort()
    await browser?.close().catch(() => undefined)
    if (neural && neural.child.exitCode === null) neural.child.kill('SIGKILL')
    tmp.remove()
  })

  it('shows live games, a book and the strategy P&L equal to the event stream, behind the token', async () => {
    neural = new Neural(['dashboard', 'KXNFLGAME*', '--strategy', 'strategies/arb.ts', '--hook', 'paper', '--env', 'sim', '--json'], { runtimeDir: tmp.dir, timeoutMs: 110_000 })
    await neural.until(() => neural!.lines().length > 0, 30_000, 'the dashboard line')
    const first = JSON.parse(neural.lines()[0]!) as { type: string; url: string }
    expect(first.type).to.equal('dashboard')
    const url = new URL(first.url)
    expect(url.hostname).to.equal('127.0.0.1')
    const token = url.searchParams.get('token')!
    const base = `${url.protocol}//${url.host}`

    // The token is required on every route.
    expect((await fetch(`${base}/`)).status).to.equal(401)
    expect((await fetch(`${base}/events`)).status).to.equal(401)
    expect((await fetch(`${base}/events?token=wrong`)).status).to.equal(401)

    const events: Rec[] = []
    expect(await readEvents(`${base}/events?token=${token}`, events, readers.signal)).to.equal(200)

    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      // Root in a container has no user namespace for chromium's sandbox.
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
    })
    const page = await browser.newPage()
    await page.setViewport({ width: 1400, height: 1000 })
    const pageErrors: string[] = []
    page.on('pageerror', (e) => pageErrors.push(String(e)))
    await page.goto(first.url)

    await page.waitForFunction(
      () => document.querySelector('.game[data-away-wp]:not([data-away-wp=""])') !== null
        && [...document.querySelectorAll('.game .state')].some((e) => / – /.test(e.textContent ?? ''))
        && (document.getElementById('market') as HTMLElement).dataset.yesBid !== undefined
        && document.querySelector('[data-hook="paper"]') !== null
        && document.querySelectorAll('.game .chart canvas').length > 0,
      { timeout: 60_000, polling: 200 },
    )
    // Read everything shown in one go, so it is one moment of the page.
    const shown = await page.evaluate(() => {
      const game = document.querySelector('.game[data-away-wp]:not([data-away-wp=""])') as HTMLElement
      const market = document.getElementById('market') as HTMLElement
      const paper = document.querySelector('[data-hook="paper"]') as HTMLElement
      // No helper functions in here: tsx would wrap them in a __name() call the page does not have.
      return {
        game: { ...(game.dataset as Record<string, string>), awayText: game.querySelector('.wp-away')!.textContent, homeText: game.querySelector('.wp-home')!.textContent, stateText: game.querySelector('.state')!.textContent } as Record<string, string | null>,
        market: { ...market.dataset } as Record<string, string>,
        paper: { ...(paper.dataset as Record<string, string>), text: paper.querySelector('.pnl')!.textContent } as Record<string, string | null>,
        gameCards: document.querySelectorAll('.game').length,
      }
    })

    // The stream the test reads may be a frame behind the page: wait for the record the page drew.
    // The score line is part of what was shown: the clock runs while prices stand still, so several
    // records can share the prices and the time of the last price update.
    const gameRecord = () => events.find((e) => e.type === 'game' && e.game === shown.game.game && String(e.lastUpdate) === shown.game.lastUpdate
      && String(e.away.winProbability) === shown.game.awayWp && String(e.home.winProbability) === shown.game.homeWp
      && (e.state ? formatScoreLine(e.state) : `kickoff ${e.kickoff}`) === shown.game.stateText)
    await waitFor(() => gameRecord() !== undefined, 10_000, `game ${shown.game.game} as shown (${JSON.stringify(shown.game)})`)
    const g = gameRecord()!
    expect(shown.game.awayText).to.equal(`${(g.away.winProbability * 100).toFixed(1)}%`)
    expect(shown.game.homeText).to.equal(`${(g.home.winProbability * 100).toFixed(1)}%`)
    // The score line, as `neural nfl game` prints it, once the game's live data was read.
    expect(shown.game.stateText).to.equal(g.state ? formatScoreLine(g.state) : `kickoff ${g.kickoff}`)

    const m = shown.market
    const marketRecord = () => events.find((e) => e.ticker === m.ticker && e.type === (m.source === 'book' ? 'book' : 'ticker')
      && String(m.source === 'book' ? e.ts : e.lastUpdate) === m.ts && String(e.yesBid ?? '') === m.yesBid && String(e.yesAsk ?? '') === m.yesAsk)
    await waitFor(() => marketRecord() !== undefined, 10_000, `market ${m.ticker} as shown (${JSON.stringify(m)})`)

    const paperRecord = () => events.find((e) => e.type === 'portfolio' && e.hook === 'paper' && String(e.ts) === shown.paper.ts && String(e.totalPnlDollars) === shown.paper.totalPnl)
    await waitFor(() => paperRecord() !== undefined, 10_000, `the paper P&L as shown (${JSON.stringify(shown.paper)})`)
    const pnl = paperRecord()!.totalPnlDollars as number
    expect(shown.paper.text).to.equal(`P&L ${pnl < 0 ? '−' : '+'}$${Math.abs(pnl).toFixed(2)}`)

    expect(shown.gameCards).to.be.greaterThan(1)
    expect(pageErrors).to.deep.equal([])
    const screenshot = join(tmp.dir, 'dashboard.png') as `${string}.png`
    await page.screenshot({ path: screenshot, fullPage: true })
    expect(statSync(screenshot).size).to.be.greaterThan(10_000)
    if (process.env.NEURAL_SCREENSHOT) await page.screenshot({ path: process.env.NEURAL_SCREENSHOT as `${string}.png`, fullPage: true })

    await browser.close()
    browser = undefined
    neural.child.kill('SIGINT')
    const result = await neural.done
    expect(result.code).to.equal(130)
    const lines = jsonLines(result.stdout)
    expect(lines.at(-1)!.type).to.equal('summary')
  })
})
