import { expect } from 'chai'
import { MarketStore } from '../../src/core/market-store.js'
import type { MarketState } from '../../src/core/market-store.js'
import { NflMarkets, type GameSummary } from '../../src/nfl/game-summary.js'
import {
  bar, colorEnabled, formatGameRow, formatGamesHeader, formatPercent, formatPrice, formatTeamMarketHeader, formatTeamMarketRow, formatTime,
  formatVolume, marketLabel, renderGamePanel, sparkline,
} from '../../src/render/game-panel.js'

const T0 = Date.UTC(2025, 8, 4, 20, 0, 0)
const ANSI = /\u001b\[[0-9;]*m/g

/** DAL @ PHI: both winners, one spread with prices and one known without, a sub-cent total. */
function dalPhi(): { nfl: NflMarkets; summary: GameSummary } {
  const store = new MarketStore()
  const t = (ticker: string, f: Partial<MarketState>, at: number) =>
    store.applyTick({ type: 'ticker', ticker, lastUpdate: at, receivedAt: at, ...f })
  t('KXNFLGAME-25SEP04DALPHI-DAL', { yesBid: 0.38, yesAsk: 0.42, yesPrice: 0.4, volume: 1000 }, T0)
  t('KXNFLGAME-25SEP04DALPHI-PHI', { yesBid: 0.61, yesAsk: 0.63, yesPrice: 0.62, volume: 12345 }, T0 + 1000)
  t('KXNFLSPREAD-25SEP04DALPHI-PHI7', { yesBid: 0.3, yesAsk: 0.32, yesPrice: 0.31, volume: 400 }, T0 + 2000)
  t('KXNFLTOTAL-25SEP04DALPHI-47', { yesBid: 0.5, yesAsk: 0.5225, volume: 300.5 }, T0 + 3000)
  t('KXNFLGAME-25SEP04DALPHI-PHI', { yesBid: 0.65, yesAsk: 0.67, yesPrice: 0.66 }, T0 + 4000)
  const nfl = new NflMarkets(store, ['KXNFLSPREAD-25SEP04DALPHI-DAL3'])
  return { nfl, summary: nfl.getGameSummary('25SEP04DALPHI')! }
}

const PLAIN_PANEL = [
  'DAL @ PHI  kickoff 2025-09-04',
  '  away  DAL  Dallas Cowboys        37.7%  ████████░░░░░░░░░░░░',
  '  home  PHI  Philadelphia Eagles   62.3%  ████████████░░░░░░░░',
  '  spread',
  '    DAL \u22122.5   bid    —  ask    —  last    —  KXNFLSPREAD-25SEP04DALPHI-DAL3',
  '    PHI \u22126.5   bid 0.30  ask 0.32  last 0.31  KXNFLSPREAD-25SEP04DALPHI-PHI7',
  '  total',
  '    o46.5      bid 0.50  ask 0.5225  last    —  KXNFLTOTAL-25SEP04DALPHI-47',
  '  markets 5  volume 14,045.5  last update 2025-09-04T20:00:04Z',
  '  PHI win probability  ▁▃█  low 60.0%  high 62.3%  now 62.3%',
].join('\n')

describe('render game panel', () => {
  describe('formatting', () => {
    it('formats prices to the cent, or to four decimals for sub-cent ticks', () => {
      expect(formatPrice(0.56)).to.equal('0.56')
      expect(formatPrice(0.5)).to.equal('0.50')
      expect(formatPrice(0.5225)).to.equal('0.5225')
      expect(formatPrice(1)).to.equal('1.00')
      expect(formatPrice(undefined)).to.equal('—')
    })

    it('formats percentages to one decimal', () => {
      expect(formatPercent(0.39215686)).to.equal('39.2%')
      expect(formatPercent(1)).to.equal('100.0%')
      expect(formatPercent(undefined)).to.equal('—')
    })

    it('formats volumes with thousands separators and up to two decimals', () => {
      expect(formatVolume(0)).to.equal('0')
      expect(formatVolume(999)).to.equal('999')
      expect(formatVolume(1234567)).to.equal('1,234,567')
      expect(formatVolume(14045.5)).to.equal('14,045.5')
      expect(formatVolume(250.25)).to.equal('250.25')
      expect(formatVolume(undefined)).to.equal('—')
    })

    it('formats times as UTC ISO seconds, and never-updated as a dash', () => {
      expect(formatTime(T0 + 4123)).to.equal('2025-09-04T20:00:04Z')
      expect(formatTime(0)).to.equal('—')
    })

    it('draws bars of the given width', () => {
      expect(bar(0.5, 10)).to.equal('█████░░░░░')
      expect(bar(0, 4)).to.equal('░░░░')
      expect(bar(1, 4)).to.equal('████')
      expect(bar(undefined, 4)).to.equal('░░░░')
    })
  })

  describe('sparkline', () => {
    it('scales from the lowest value to the highest', () => {
      expect(sparkline([0, 1])).to.equal('▁█')
      expect(sparkline([0.6, 0.65, 0.7])).to.equal('▁▅█')
      expect(sparkline([0, 1 / 7, 2 / 7, 3 / 7, 4 / 7, 5 / 7, 6 / 7, 1])).to.equal('▁▂▃▄▅▆▇█')
    })

    it('draws a flat series as a middle line', () => {
      expect(sparkline([0.5, 0.5, 0.5])).to.equal('▄▄▄')
    })

    it('keeps only the most recent points', () => {
      expect(sparkline([1, 0, 0.5, 1], 3)).to.equal('▁▅█')
    })

    it('is empty without points', () => {
      expect(sparkline([])).to.equal('')
    })
  })

  describe('panel', () => {
    it('renders the whole panel exactly without colour', () => {
      const { nfl, summary } = dalPhi()
      const out = renderGamePanel(summary, { history: nfl.getWinProbabilityHistory('25SEP04DALPHI'), color: false })
      expect(out).to.equal(PLAIN_PANEL)
    })

    it('contains the expected numbers', () => {
      const { summary } = dalPhi()
      const out = renderGamePanel(summary, { color: false })
      for (const s of ['DAL @ PHI', 'kickoff 2025-09-04', '37.7%', '62.3%', 'PHI \u22126.5', 'o46.5', 'bid 0.30', 'ask 0.5225', 'markets 5', 'volume 14,045.5', '2025-09-04T20:00:04Z']) {
        expect(out).to.contain(s)
      }
    })

    it('says when there is no history yet', () => {
      const { summary } = dalPhi()
      expect(renderGamePanel(summary, { color: false }).split('\n').at(-1)).to.equal('  PHI win probability  no history yet')
    })

    it('draws only the most recent points of a long history', () => {
      const { summary } = dalPhi()
      const history = [0.1, 0.2, 0.5, 0.6, 0.7].map((home, i) => ({ ts: T0 + i, home }))
      expect(renderGamePanel(summary, { color: false, history, sparklineWidth: 3 }).split('\n').at(-1)).to.equal(
        '  PHI win probability  ▁▅█  low 50.0%  high 70.0%  now 70.0%',
      )
    })

    it('renders a game without win probability and without lines', () => {
      const summary: GameSummary = {
        type: 'game', game: '25SEP07GBDET', kickoff: '2025-09-07',
        away: { team: 'GB', name: 'Green Bay Packers' }, home: { team: 'DET', name: 'Detroit Lions' },
        spread: [], total: [], markets: 2, volume: 0, lastUpdate: T0,
      }
      expect(renderGamePanel(summary, { color: false, barWidth: 4 })).to.equal([
        'GB @ DET  kickoff 2025-09-07',
        '  away  GB   Green Bay Packers       —  ░░░░',
        '  home  DET  Detroit Lions           —  ░░░░',
        '  markets 2  volume 0  last update 2025-09-04T20:00:00Z',
        '  DET win probability  no history yet',
      ].join('\n'))
    })

    it('on the simulator starts the header line with [sim] (magenta with colour on), and only that line', () => {
      const { nfl, summary } = dalPhi()
      const history = nfl.getWinProbabilityHistory('25SEP04DALPHI')
      expect(renderGamePanel(summary, { history, color: false, simulated: true })).to.equal(`[sim] ${PLAIN_PANEL}`)
      expect(renderGamePanel(summary, { history, color: true, simulated: true }).startsWith('\u001b[35m[sim]\u001b[39m ')).to.equal(true)
    })

    it('adds colour codes when colour is on and only those', () => {
      const { nfl, summary } = dalPhi()
      const history = nfl.getWinProbabilityHistory('25SEP04DALPHI')
      const coloured = renderGamePanel(summary, { history, color: true })
      expect(coloured).to.match(ANSI)
      expect(coloured.replace(ANSI, '')).to.equal(PLAIN_PANEL)
    })

    it('has no colour codes when NO_COLOR is set', () => {
      const saved = process.env.NO_COLOR
      process.env.NO_COLOR = '1'
      try {
        const { summary } = dalPhi()
        expect(renderGamePanel(summary)).to.not.match(ANSI)
      } finally {
        if (saved === undefined) delete process.env.NO_COLOR
        else process.env.NO_COLOR = saved
      }
    })

    it('reads NO_COLOR as set only when it is not empty', () => {
      expect(colorEnabled({ NO_COLOR: '1' })).to.equal(false)
      expect(colorEnabled({ NO_COLOR: 'true' })).to.equal(false)
      expect(colorEnabled({ NO_COLOR: '' })).to.equal(colorEnabled({}))
    })

    it('renders the same string twice', () => {
      const { summary } = dalPhi()
      expect(renderGamePanel(summary, { color: false })).to.equal(renderGamePanel(summary, { color: false }))
    })
  })

  describe('tables', () => {
    it('labels markets by kind', () => {
      expect(marketLabel('KXNFLGAME-25SEP04DALPHI-DAL')).to.equal('winner DAL')
      expect(marketLabel('KXNFLSPREAD-25SEP04DALPHI-PHI7')).to.equal('spread PHI 7')
      expect(marketLabel('KXNFLTOTAL-25SEP04DALPHI-47')).to.equal('total 47')
      expect(marketLabel('KXNBAGAME-25NOV28DALLAL-LAL')).to.equal('—')
    })

    it('formats the nfl team table with aligned columns', () => {
      const { nfl } = dalPhi()
      const rows = [formatTeamMarketHeader(), ...nfl.getTeamMarkets('DAL').map(formatTeamMarketRow)]
      expect(rows).to.deep.equal([
        'TICKER                           GAME          MARKET         YES BID YES ASK    LAST       VOLUME',
        'KXNFLGAME-25SEP04DALPHI-DAL      25SEP04DALPHI winner DAL        0.38    0.42    0.40        1,000',
        'KXNFLGAME-25SEP04DALPHI-PHI      25SEP04DALPHI winner PHI        0.65    0.67    0.66       12,345',
        'KXNFLSPREAD-25SEP04DALPHI-PHI7   25SEP04DALPHI spread PHI 7      0.30    0.32    0.31          400',
        'KXNFLTOTAL-25SEP04DALPHI-47      25SEP04DALPHI total 47          0.50  0.5225       —        300.5',
      ])
    })

    it('formats a row for a market that has only a ticker', () => {
      expect(formatTeamMarketRow({ ticker: 'KXNFLGAME-25SEP04DALPHI-DAL', lastUpdate: 0 })).to.equal(
        'KXNFLGAME-25SEP04DALPHI-DAL      25SEP04DALPHI winner DAL           —       —       —            —',
      )
    })

    it('formats the nfl games table', () => {
      const { summary } = dalPhi()
      expect([formatGamesHeader(), formatGameRow(summary)]).to.deep.equal([
        'GAME          MATCHUP   KICKOFF    SCORE                                    AWAY       HOME       MARKETS       VOLUME LAST UPDATE',
        '25SEP04DALPHI DAL @ PHI 2025-09-04 —                                        DAL 37.7%  PHI 62.3%        5     14,045.5 2025-09-04T20:00:04Z',
      ])
    })

    it('shows the score and status in the nfl games table, and the winner of a settled game', () => {
      const { summary } = dalPhi()
      const state = { game: '25SEP04DALPHI', status: 'live' as const, period: 3, clock: '08:42', away: { team: 'DAL' as const, points: 10 }, home: { team: 'PHI' as const, points: 14 }, updatedAt: 0, source: { kind: 'kalshi-live-data' as const, milestoneId: 'm' } }
      expect(formatGameRow({ ...summary, state })).to.contain(' DAL 10 – 14 PHI · Q3 08:42 ')
      const final = { ...state, status: 'final' as const, home: { team: 'PHI' as const, points: 24 }, away: { team: 'DAL' as const, points: 20 } }
      expect(formatGameRow({ ...summary, state: final, settlement: { winner: 'PHI' } })).to.contain(' DAL 20 – 24 PHI · final · PHI won ')
    })

    it('puts the score line above the win probabilities and marks a scoring change', () => {
      const { summary } = dalPhi()
      const state = { game: '25SEP04DALPHI', status: 'live' as const, period: 3, clock: '08:42', away: { team: 'DAL' as const, points: 10 }, home: { team: 'PHI' as const, points: 14 }, updatedAt: 0, source: { kind: 'kalshi-live-data' as const, milestoneId: 'm' } }
      const lines = renderGamePanel({ ...summary, state }, { color: false, scoreMark: { text: 'PHI +7' } }).split('\n')
      expect(lines[1]).to.equal('  DAL 10 – 14 PHI · Q3 08:42  ▲ PHI +7')
      expect(lines[2]).to.match(/^  away  DAL/)
      expect(renderGamePanel({ ...summary, state }, { color: false }).split('\n')[1]).to.equal('  DAL 10 – 14 PHI · Q3 08:42')
    })
  })
})
