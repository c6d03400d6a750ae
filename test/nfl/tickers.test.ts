import { expect } from 'chai'
import { NeuralError } from '../../src/errors.js'
import { TEAMS, type Team } from '../../src/nfl/teams.js'
import {
  GAME_FORMAT_HINT, gameEventTickers, gameIdSpellings, isNflTicker, parseGameId, parseNflSeries, parseNflTicker, splitTeams, teamSplits,
} from '../../src/nfl/tickers.js'

function gameError(input: string): NeuralError {
  try {
    parseGameId(input)
  } catch (e) {
    expect(e).to.be.instanceOf(NeuralError)
    return e as NeuralError
  }
  throw new Error(`parseGameId('${input}') did not throw`)
}

describe('nfl tickers', () => {
  describe('parseGameId', () => {
    it('parses the compact spelling', () => {
      expect(parseGameId('25SEP04DALPHI')).to.deep.equal({ gameId: '25SEP04DALPHI', date: '2025-09-04', away: 'DAL', home: 'PHI' })
    })

    it('parses the dashed spelling into the same canonical id', () => {
      expect(parseGameId('25SEP04-DALPHI')).to.deep.equal({ gameId: '25SEP04DALPHI', date: '2025-09-04', away: 'DAL', home: 'PHI' })
    })

    it('parses lower case', () => {
      expect(parseGameId('25sep04-dalphi').gameId).to.equal('25SEP04DALPHI')
      expect(parseGameId('25sep04dalphi').gameId).to.equal('25SEP04DALPHI')
    })

    it('splits runs of two-letter and three-letter codes using the team table', () => {
      expect(parseGameId('25DEC07LAARI')).to.include({ away: 'LA', home: 'ARI' })
      expect(parseGameId('25SEP07GBKC')).to.include({ away: 'GB', home: 'KC', gameId: '25SEP07GBKC' })
      expect(parseGameId('25NOV16KCDEN')).to.include({ away: 'KC', home: 'DEN' })
      expect(parseGameId('25OCT06KCJAC')).to.include({ away: 'KC', home: 'JAC' })
      expect(parseGameId('25DEC20PHIWAS')).to.include({ away: 'PHI', home: 'WAS' })
    })

    it('maps alternative codes to canonical ones in the game id', () => {
      expect(parseGameId('26SEP21NYGLAR')).to.deep.equal({ gameId: '26SEP21NYGLA', date: '2026-09-21', away: 'NYG', home: 'LA' })
      expect(parseGameId('25OCT06KCJAX').gameId).to.equal('25OCT06KCJAC')
      expect(parseGameId('25DEC20PHIWSH').gameId).to.equal('25DEC20PHIWAS')
    })

    it('accepts 29 February in a leap year', () => {
      expect(parseGameId('28FEB29DALPHI').date).to.equal('2028-02-29')
    })

    it('rejects a wrong month with the right format', () => {
      const e = gameError('25SPT04DALPHI')
      expect(e.kind).to.equal('input')
      expect(e.code).to.equal('INVALID_GAME')
      expect(e.exitCode).to.equal(2)
      expect(e.message).to.equal(`bad month 'SPT' in game '25SPT04DALPHI': ${GAME_FORMAT_HINT}`)
      expect(e.message).to.equal("bad month 'SPT' in game '25SPT04DALPHI': expected a game like 25SEP04DALPHI (yy MON dd AWAY HOME)")
    })

    it('rejects a day the month does not have', () => {
      expect(gameError('25SEP31DALPHI').message).to.equal(`bad day '31' in game '25SEP31DALPHI' (SEP 2025 has 30 days): ${GAME_FORMAT_HINT}`)
      expect(gameError('25FEB29DALPHI').message).to.equal(`bad day '29' in game '25FEB29DALPHI' (FEB 2025 has 28 days): ${GAME_FORMAT_HINT}`)
      expect(gameError('25SEP00DALPHI').message).to.equal(`bad day '00' in game '25SEP00DALPHI' (SEP 2025 has 30 days): ${GAME_FORMAT_HINT}`)
    })

    it('rejects an unknown team and suggests the nearest', () => {
      expect(gameError('25SEP04DALPHX').message).to.equal(
        `unknown team 'PHX' (did you mean PHI (Philadelphia Eagles)?) in game '25SEP04DALPHX': ${GAME_FORMAT_HINT}`,
      )
      expect(gameError('25SEP04DAXPHI').message).to.equal(
        `unknown team 'DAX' (did you mean DAL (Dallas Cowboys)?) in game '25SEP04DAXPHI': ${GAME_FORMAT_HINT}`,
      )
    })

    it('rejects a run in which no team is known', () => {
      expect(gameError('25SEP04QQQZZZ').message).to.equal(`unknown teams 'QQQZZZ' in game '25SEP04QQQZZZ': ${GAME_FORMAT_HINT}`)
    })

    it('rejects a game with one team missing', () => {
      expect(gameError('25SEP04DAL').message).to.equal(`only one team 'DAL' in game '25SEP04DAL': ${GAME_FORMAT_HINT}`)
      expect(gameError('25SEP04-DAL').message).to.equal(`only one team 'DAL' in game '25SEP04-DAL': ${GAME_FORMAT_HINT}`)
    })

    it('rejects a game with no teams', () => {
      expect(gameError('25SEP04').message).to.equal(`no teams in game '25SEP04': ${GAME_FORMAT_HINT}`)
    })

    it('rejects extra letters after the teams', () => {
      expect(gameError('25SEP04DALPHIX').message).to.equal(
        `unknown team 'PHIX' (did you mean PHI (Philadelphia Eagles)?) in game '25SEP04DALPHIX': ${GAME_FORMAT_HINT}`,
      )
    })

    it('rejects extra characters that are not letters', () => {
      expect(gameError('25SEP04DALPHI1').message).to.equal(`bad game '25SEP04DALPHI1': ${GAME_FORMAT_HINT}`)
      expect(gameError('25SEP04-DAL-PHI').message).to.equal(`bad game '25SEP04-DAL-PHI': ${GAME_FORMAT_HINT}`)
      expect(gameError('KXNFLGAME-25SEP04DALPHI').message).to.equal(`bad game 'KXNFLGAME-25SEP04DALPHI': ${GAME_FORMAT_HINT}`)
      expect(gameError('').message).to.equal(`bad game '': ${GAME_FORMAT_HINT}`)
    })

    it('rejects a team playing itself', () => {
      expect(gameError('25SEP04DALDAL').message).to.equal(`the same team twice in game '25SEP04DALDAL': ${GAME_FORMAT_HINT}`)
      expect(gameError('25SEP04LALAR').message).to.equal(`the same team twice in game '25SEP04LALAR': ${GAME_FORMAT_HINT}`)
    })

    it('gives every error message on one line', () => {
      for (const bad of ['25SPT04DALPHI', '25SEP31DALPHI', '25SEP04DALPHX', '25SEP04DAL', 'x\ny']) {
        expect(gameError(bad).message.split('\n')).to.have.length(1)
      }
      expect(gameError('x\ny').message).to.equal(`bad game 'x\\x0ay': ${GAME_FORMAT_HINT}`)
    })
  })

  describe('team splits', () => {
    it('finds exactly one split for every pair of teams in the table', () => {
      for (const a of TEAMS) {
        for (const h of TEAMS) {
          if (a === h) continue
          const splits = teamSplits(a.code + h.code)
          expect(splits, a.code + h.code).to.have.length(1)
          expect(splits[0]!.away.code + splits[0]!.home.code).to.equal(a.code + h.code)
        }
      }
    })

    it('tries every cut and prefers canonical codes when two cuts name teams', () => {
      // A made-up table in which "ABCDE" cuts both as AB+CDE and as ABC+DE.
      const t = (code: string) => ({ code, city: code, nickname: code, name: code, altCodes: [], aliases: [] }) as unknown as Team
      const codes = new Map([
        ['AB', { team: t('AB'), canonical: true }], ['CDE', { team: t('CDE'), canonical: true }],
        ['ABC', { team: t('ABC'), canonical: false }], ['DE', { team: t('DE'), canonical: true }],
      ])
      expect(teamSplits('ABCDE', codes).map((s) => `${s.away.code}+${s.home.code}`)).to.deep.equal(['AB+CDE', 'ABC+DE'])
      expect(splitTeams('ABCDE', codes)).to.deep.include({ away: t('AB'), home: t('CDE') })
    })

    it('gives no split when two canonical cuts both name teams', () => {
      const t = (code: string) => ({ code }) as unknown as Team
      const codes = new Map([
        ['AB', { team: t('AB'), canonical: true }], ['CDE', { team: t('CDE'), canonical: true }],
        ['ABC', { team: t('ABC'), canonical: true }], ['DE', { team: t('DE'), canonical: true }],
      ])
      expect(splitTeams('ABCDE', codes)).to.equal(undefined)
    })
  })

  describe('parseNflTicker', () => {
    it('parses a winner event ticker', () => {
      expect(parseNflTicker('KXNFLGAME-25SEP04DALPHI')).to.deep.equal({
        kind: 'winner', series: 'KXNFLGAME', ticker: 'KXNFLGAME-25SEP04DALPHI', eventTicker: 'KXNFLGAME-25SEP04DALPHI',
        level: 'event', gameId: '25SEP04DALPHI', date: '2025-09-04', away: 'DAL', home: 'PHI',
      })
    })

    it('parses the spread and total event tickers', () => {
      expect(parseNflTicker('KXNFLSPREAD-25SEP04DALPHI')).to.include({ kind: 'spread', series: 'KXNFLSPREAD', level: 'event', gameId: '25SEP04DALPHI' })
      expect(parseNflTicker('KXNFLTOTAL-25SEP04DALPHI')).to.include({ kind: 'total', series: 'KXNFLTOTAL', level: 'event', gameId: '25SEP04DALPHI' })
    })

    it('parses both winner markets', () => {
      expect(parseNflTicker('KXNFLGAME-25SEP04DALPHI-DAL')).to.deep.equal({
        kind: 'winner', series: 'KXNFLGAME', ticker: 'KXNFLGAME-25SEP04DALPHI-DAL', eventTicker: 'KXNFLGAME-25SEP04DALPHI',
        level: 'market', gameId: '25SEP04DALPHI', date: '2025-09-04', away: 'DAL', home: 'PHI', team: 'DAL',
      })
      expect(parseNflTicker('KXNFLGAME-25SEP04DALPHI-PHI')).to.include({ team: 'PHI', level: 'market' })
    })

    it('parses a spread market as team and line', () => {
      expect(parseNflTicker('KXNFLSPREAD-25SEP04DALPHI-PHI7')).to.deep.equal({
        kind: 'spread', series: 'KXNFLSPREAD', ticker: 'KXNFLSPREAD-25SEP04DALPHI-PHI7', eventTicker: 'KXNFLSPREAD-25SEP04DALPHI',
        level: 'market', gameId: '25SEP04DALPHI', date: '2025-09-04', away: 'DAL', home: 'PHI', team: 'PHI', line: 7,
      })
      expect(parseNflTicker('KXNFLSPREAD-26SEP20CARATL-ATL17')).to.include({ team: 'ATL', line: 17 })
      expect(parseNflTicker('KXNFLSPREAD-25SEP07GBKC-KC3')).to.include({ team: 'KC', line: 3, away: 'GB', home: 'KC' })
    })

    it('parses a total market as a line', () => {
      const p = parseNflTicker('KXNFLTOTAL-25SEP04DALPHI-47')
      expect(p).to.deep.equal({
        kind: 'total', series: 'KXNFLTOTAL', ticker: 'KXNFLTOTAL-25SEP04DALPHI-47', eventTicker: 'KXNFLTOTAL-25SEP04DALPHI',
        level: 'market', gameId: '25SEP04DALPHI', date: '2025-09-04', away: 'DAL', home: 'PHI', line: 47,
      })
      expect(p).to.not.have.property('team')
    })

    it('parses lower-case tickers into upper case', () => {
      expect(parseNflTicker('kxnflspread-25sep04dalphi-phi7')).to.include({ ticker: 'KXNFLSPREAD-25SEP04DALPHI-PHI7', team: 'PHI', line: 7 })
    })

    it("keeps Kalshi's own spelling in the event ticker and the canonical codes in the game", () => {
      expect(parseNflTicker('KXNFLGAME-26SEP21NYGLAR-LAR')).to.include({
        eventTicker: 'KXNFLGAME-26SEP21NYGLAR', gameId: '26SEP21NYGLA', home: 'LA', team: 'LA',
      })
    })

    it('returns undefined for other sports, other NFL series and series tickers', () => {
      expect(parseNflTicker('KXNBAGAME-25NOV28DALLAL-LAL')).to.equal(undefined)
      expect(parseNflTicker('KXNFL1HSPREAD-26OCT05ATLNO-NO8')).to.equal(undefined)
      expect(parseNflTicker('KXNFLGAME')).to.equal(undefined)
      expect(parseNflTicker('')).to.equal(undefined)
    })

    it('returns undefined for malformed NFL tickers', () => {
      for (const bad of [
        'KXNFLGAME-25SPT04DALPHI', // month
        'KXNFLGAME-25SEP31DALPHI', // day
        'KXNFLGAME-25SEP04DALPHX', // team
        'KXNFLGAME-25SEP04-DALPHI', // dashed game id is a user spelling, not a ticker
        'KXNFLGAME-25SEP04DALPHI-NYG', // team not in the game
        'KXNFLGAME-25SEP04DALPHI-', // empty suffix
        'KXNFLSPREAD-25SEP04DALPHI-PHI', // no line
        'KXNFLSPREAD-25SEP04DALPHI-7', // no team
        'KXNFLTOTAL-25SEP04DALPHI-O47', // letters in a total
        'KXNFLGAME-25SEP04DALPHI-DAL-X', // extra part
      ]) {
        expect(parseNflTicker(bad), bad).to.equal(undefined)
      }
    })

    it('names the kind of a series ticker', () => {
      expect(parseNflSeries('KXNFLGAME')).to.equal('winner')
      expect(parseNflSeries('kxnflspread')).to.equal('spread')
      expect(parseNflSeries('KXNFLTOTAL')).to.equal('total')
      expect(parseNflSeries('KXNBAGAME')).to.equal(undefined)
    })

    it('tells NFL tickers from others', () => {
      expect(isNflTicker('KXNFLGAME')).to.equal(true)
      expect(isNflTicker('KXNFLTOTAL-25SEP04DALPHI')).to.equal(true)
      expect(isNflTicker('KXNFLGAME-25SEP04DALPHI-PHI')).to.equal(true)
      expect(isNflTicker('KXMLBGAME-26MAY291845SDWSH-WSH')).to.equal(false)
      expect(isNflTicker('KXNFLGAME-25SEP04DALPHI-XYZ')).to.equal(false)
    })
  })

  describe('game event tickers', () => {
    it('lists the three event tickers of a game in either spelling', () => {
      const expected = ['KXNFLGAME-25SEP04DALPHI', 'KXNFLSPREAD-25SEP04DALPHI', 'KXNFLTOTAL-25SEP04DALPHI']
      expect(gameEventTickers('25SEP04DALPHI')).to.deep.equal(expected)
      expect(gameEventTickers('25sep04-dalphi')).to.deep.equal(expected)
      expect(gameEventTickers(parseGameId('25SEP04DALPHI'))).to.deep.equal(expected)
    })

    it('throws the game-format error for a bad game', () => {
      expect(() => gameEventTickers('DALPHI')).to.throw(NeuralError, `bad game 'DALPHI': ${GAME_FORMAT_HINT}`)
    })

    it('round-trips: each event ticker parses back to its game', () => {
      for (const t of gameEventTickers('25DEC07LAARI')) expect(parseNflTicker(t)?.gameId).to.equal('25DEC07LAARI')
    })

    it("lists the Rams' LAR spelling beside LA", () => {
      expect(gameIdSpellings('25DEC07LAARI')).to.deep.equal(['25DEC07LAARI', '25DEC07LARARI'])
      expect(gameIdSpellings('26SEP21NYGLAR')).to.deep.equal(['26SEP21NYGLA', '26SEP21NYGLAR'])
      expect(gameIdSpellings('25SEP04DALPHI')).to.deep.equal(['25SEP04DALPHI'])
    })
  })
})
