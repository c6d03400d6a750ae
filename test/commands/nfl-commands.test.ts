/**
 * `neural nfl game | team | games` end to end: the built binary with its own in-process simulator
 * (`--env sim`, seed 1). Independent runs start together in `before` (each takes 1–3 s of wall time);
 * the input errors run in this process meanwhile.
 */
import { expect } from 'chai'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import NflGame from '../../src/commands/nfl/game.js'
import NflTeam from '../../src/commands/nfl/team.js'
import { startSimulator } from '../../src/sim/index.js'
import { runCommand, type CommandResult } from '../support/run-command.js'
import { ensureBuilt, jsonLines, linesOf, Neural, runNeural, tempDir, type RunResult } from './helpers.js'

const GAME_FIELDS = ['type', 'game', 'kickoff', 'away', 'home', 'spread', 'total', 'markets', 'volume', 'lastUpdate']
/** In this order; the winner market's prices are left out when it has none (no bid, no ask, never traded). */
const TEAM_FIELDS = ['team', 'name', 'winProbability', 'ticker', 'yesBid', 'yesAsk', 'yesPrice']

describe('neural nfl', function () {
  this.timeout(30_000)
  const tmp = tempDir('neural-nfl-')
  const runtimeDir = join(tmp.dir, 'run')
  /** The NFL tickers of DAL @ PHI in the simulator's world (seed 1, the CLI's default). */
  let dalPhi: string[]
  let gameJson: RunResult
  let gameStatus: Record<string, unknown>
  let gameHuman: RunResult
  let badGame: CommandResult
  let teamJson: RunResult
  let teamTypo: CommandResult
  let gamesJson: RunResult

  before(async function () {
    this.timeout(90_000)
    await ensureBuilt()
    const sim = await startSimulator({ seed: 1 })
    dalPhi = sim.world.markets().map((m) => m.ticker).filter((t) => /^KXNFL(GAME|SPREAD|TOTAL)-25SEP04DALPHI-/.test(t)).sort()
    await sim.close()
    const game = new Neural(['nfl', 'game', '25SEP04DALPHI', '--env', 'sim', '--json', '--duration', '2.5'], { runtimeDir })
    const statusFile = join(runtimeDir, `${game.pid}.json`)
    const inProcess = { env: { NEURAL_RUNTIME_DIR: runtimeDir } }
    ;[gameJson, gameStatus, gameHuman, badGame, teamJson, teamTypo, gamesJson] = await Promise.all([
      game.done,
      // Until the child exits: on a loaded machine four node starts at once take a while.
      game.until(() => existsSync(statusFile), 60_000, 'the status file of nfl game').then(() => JSON.parse(readFileSync(statusFile, 'utf8')) as Record<string, unknown>),
      runNeural(['nfl', 'game', '25sep04-DALPHI', '--env', 'sim', '--duration', '2'], { runtimeDir }),
      runCommand(NflGame, ['25SEP04DALPHX', '--env', 'sim'], { id: 'nfl game', ...inProcess }),
      runNeural(['nfl', 'team', 'dal', '--env', 'sim', '--json', '--duration', '2'], { runtimeDir }),
      runCommand(NflTeam, ['DALAS', '--env', 'sim'], { id: 'nfl team', ...inProcess }),
      runNeural(['nfl', 'games', '--env', 'sim', '--json'], { runtimeDir }),
    ])
  })

  after(() => tmp.remove())

  describe('nfl game', () => {
    it('--json prints game summaries with the exact field set and win probabilities summing to 1, then the stream summary', () => {
      expect(gameJson.code, gameJson.stderr).to.equal(0)
      const lines = jsonLines(gameJson.stdout)
      const games = lines.filter((l) => l.type === 'game')
      expect(games.length).to.be.greaterThan(0)
      for (const g of games) {
        // `state` joins once the game's live data has been read.
        expect(Object.keys(g).filter((k) => k !== 'state')).to.deep.equal(GAME_FIELDS)
        if (g.state) expect(Object.keys(g.state as object)).to.include.members(['status', 'away', 'home', 'updatedAt'])
        expect(g).to.include({ game: '25SEP04DALPHI', kickoff: '2025-09-04', markets: dalPhi.length })
        const away = g.away as Record<string, number | string>
        const home = g.home as Record<string, number | string>
        for (const side of [away, home]) {
          expect(Object.keys(side)).to.deep.equal(TEAM_FIELDS.filter((k) => k in side))
          expect(Object.keys(side)).to.include.members(TEAM_FIELDS.slice(0, 4))
        }
        expect([away.team, away.name, away.ticker, home.team, home.name, home.ticker]).to.deep.equal(['DAL', 'Dallas Cowboys', 'KXNFLGAME-25SEP04DALPHI-DAL', 'PHI', 'Philadelphia Eagles', 'KXNFLGAME-25SEP04DALPHI-PHI'])
        expect((away.winProbability as number) + (home.winProbability as number)).to.be.closeTo(1, 0.01)
      }
      expect(lines.map((l) => l.type).filter((t) => t !== 'connection').at(-1)).to.equal('summary')
      expect(lines.at(-1)).to.include({ type: 'summary', markets: dalPhi.length })
    })

    it('publishes a status file for neural status while it runs', () => {
      expect(gameStatus).to.include({ command: 'nfl game', environment: 'sim', subscriptions: gameStatus.subscriptions })
      expect(gameStatus.args).to.deep.equal(['25SEP04DALPHI'])
    })

    it("off a terminal prints the panel with the game's numbers, each panel's header marked [sim], and the summary line", () => {
      expect(gameHuman.code, gameHuman.stderr).to.equal(0)
      const lines = linesOf(gameHuman.stdout)
      expect(lines[0]).to.equal('[sim] DAL @ PHI  kickoff 2025-09-04')
      const headers = lines.filter((l) => l.includes('DAL @ PHI'))
      expect(headers.length).to.be.greaterThan(1)
      expect(headers.filter((l) => l !== '[sim] DAL @ PHI  kickoff 2025-09-04')).to.deep.equal([])
      // A score off a terminal is its own line, marked too.
      expect(lines.filter((l) => l.includes('SCORE ') && !l.startsWith('[sim] SCORE '))).to.deep.equal([])
      const pct = (side: string, team: string, name: string) => {
        // The score line joins the panel above these once the live data has been read.
        const m = new RegExp(`^  ${side}  ${team}  ${name} +(\\d+\\.\\d)%  [█░]{20}$`).exec(lines.find((l) => l.startsWith(`  ${side}  `))!)
        expect(m, lines.slice(0, 3).join('\n')).to.not.equal(null)
        return Number(m![1])
      }
      expect(pct('away', 'DAL', 'Dallas Cowboys') + pct('home', 'PHI', 'Philadelphia Eagles')).to.be.closeTo(100, 0.11)
      for (const ticker of dalPhi.filter((t) => !t.startsWith('KXNFLGAME-'))) expect(gameHuman.stdout).to.contain(ticker)
      const has = (re: RegExp) => expect(lines.some((l) => re.test(l)), `no line matches ${re}`).to.equal(true)
      has(new RegExp(`^  markets ${dalPhi.length}  volume [\\d,.]+  last update \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ$`))
      has(/^  PHI win probability  [▁▂▃▄▅▆▇█]+  low \d+\.\d%  high \d+\.\d%  now \d+\.\d%$/)
      expect(lines.at(-1)).to.match(new RegExp(`^\\[sim\\] \\d+ messages in \\d+\\.\\d s \\(\\d+\\.\\d/s\\), ${dalPhi.length} markets, 0 reconnects$`))
    })

    it('refuses a bad game id with exit 2, one line on stderr and nothing on stdout', () => {
      expect(badGame.code).to.equal(2)
      expect(badGame.stdout).to.equal('')
      expect(badGame.stderr).to.equal("error: unknown team 'PHX' (did you mean PHI (Philadelphia Eagles)?) in game '25SEP04DALPHX': expected a game like 25SEP04DALPHI (yy MON dd AWAY HOME)\n")
    })
  })

  describe('nfl team', () => {
    it("--json prints market records of DAL's game only, every market of it", () => {
      expect(teamJson.code, teamJson.stderr).to.equal(0)
      const markets = jsonLines(teamJson.stdout).filter((l) => l.type === 'market')
      expect([...new Set(markets.map((m) => m.ticker))].sort()).to.deep.equal(dalPhi)
      for (const m of markets) {
        expect(m.game).to.equal('25SEP04DALPHI')
        expect(['winner', 'spread', 'total']).to.include(m.market)
      }
      expect(markets.find((m) => m.ticker === 'KXNFLGAME-25SEP04DALPHI-DAL')).to.include({ market: 'winner', team: 'DAL' })
    })

    it('refuses a misspelt team with exit 2 and a suggestion', () => {
      expect(teamTypo.code).to.equal(2)
      expect(teamTypo.stdout).to.equal('')
      expect(teamTypo.stderr).to.equal("error: unknown team 'DALAS'; did you mean DAL (Dallas Cowboys)?\n")
    })
  })

  describe('nfl games', () => {
    it('--json lists the 16 games of the week with win probabilities summing to 1, then a summary, and exits 0', () => {
      expect(gamesJson.code, gamesJson.stderr).to.equal(0)
      const lines = jsonLines(gamesJson.stdout)
      const games = lines.filter((l) => l.type === 'game')
      expect(games).to.have.length(16)
      expect(games[0]!.game).to.equal('25SEP04DALPHI')
      for (const g of games) {
        expect(Object.keys(g)).to.deep.equal([...GAME_FIELDS, 'state'])
        expect(['scheduled', 'live', 'final']).to.include((g.state as { status: string }).status)
        const p = (side: unknown) => (side as { winProbability: number }).winProbability
        expect(p(g.away) + p(g.home), g.game as string).to.be.closeTo(1, 0.01)
      }
      expect(lines.at(-1)).to.include({ type: 'summary', games: 16, markets: games.reduce((n, g) => n + (g.markets as number), 0) })
    })
  })
})
