import { expect } from 'chai'
import { NeuralError } from '../../src/errors.js'
import {
  TEAMS, TEAM_CODES, editDistance, findTeam, findTeams, resolveTeam, suggestTeam, teamFromTickerCode, unknownTeamMessage,
} from '../../src/nfl/teams.js'

describe('nfl teams', () => {
  it('has 32 teams with 32 unique codes in the protocol reference order', () => {
    expect(TEAMS).to.have.length(32)
    expect(new Set(TEAMS.map((t) => t.code)).size).to.equal(32)
    expect(TEAMS.map((t) => t.code).join(' ')).to.equal(
      'ARI ATL BAL BUF CAR CHI CIN CLE DAL DEN DET GB HOU IND JAC KC LV LAC LA MIA MIN NE NO NYG NYJ PHI PIT SEA SF TB TEN WAS',
    )
    expect([...TEAM_CODES]).to.deep.equal(TEAMS.map((t) => t.code))
  })

  it('gives every team a unique full name made of city and nickname', () => {
    expect(new Set(TEAMS.map((t) => t.name)).size).to.equal(32)
    for (const t of TEAMS) expect(t.name).to.equal(`${t.city} ${t.nickname}`)
    expect(findTeam('DAL')!.name).to.equal('Dallas Cowboys')
  })

  it('finds a team by code, nickname, city and full name, ignoring case and extra spaces', () => {
    for (const input of ['DAL', 'dal', 'Cowboys', 'dallas', 'Dallas Cowboys', '  dallas   COWBOYS ']) {
      expect(findTeam(input)?.code, input).to.equal('DAL')
    }
    expect(findTeam('green bay')?.code).to.equal('GB')
    expect(findTeam('49ers')?.code).to.equal('SF')
  })

  it('maps the alternative codes JAX, LAR and WSH to JAC, LA and WAS', () => {
    expect(findTeam('JAX')?.code).to.equal('JAC')
    expect(findTeam('lar')?.code).to.equal('LA')
    expect(findTeam('WSH')?.code).to.equal('WAS')
    expect(teamFromTickerCode('JAX')?.code).to.equal('JAC')
    expect(teamFromTickerCode('LAR')?.code).to.equal('LA')
    expect(teamFromTickerCode('WSH')?.code).to.equal('WAS')
  })

  it("accepts Kalshi's sub-title names for shared-city teams", () => {
    expect(findTeam('Los Angeles R')?.code).to.equal('LA')
    expect(findTeam('Los Angeles C')?.code).to.equal('LAC')
    expect(findTeam('New York G')?.code).to.equal('NYG')
    expect(findTeam('New York J')?.code).to.equal('NYJ')
  })

  it('does not treat a full name as a ticker code', () => {
    expect(teamFromTickerCode('DALLAS')).to.equal(undefined)
    expect(teamFromTickerCode('Cowboys')).to.equal(undefined)
  })

  it('returns both teams for a shared city and no single team', () => {
    expect(findTeams('New York').map((t) => t.code)).to.deep.equal(['NYG', 'NYJ'])
    expect(findTeams('los angeles').map((t) => t.code)).to.deep.equal(['LAC', 'LA'])
    expect(findTeam('New York')).to.equal(undefined)
  })

  it('misses on unknown input', () => {
    expect(findTeam('DALAS')).to.equal(undefined)
    expect(findTeam('')).to.equal(undefined)
  })

  it('computes edit distance', () => {
    expect(editDistance('kitten', 'sitting')).to.equal(3)
    expect(editDistance('', 'abc')).to.equal(3)
    expect(editDistance('dal', 'dal')).to.equal(0)
  })

  it('suggests the nearest team for typos', () => {
    expect(suggestTeam('DALAS')?.code).to.equal('DAL')
    expect(suggestTeam('Philadelpia Eagels')?.code).to.equal('PHI')
    expect(suggestTeam('Cheifs')?.code).to.equal('KC')
    expect(suggestTeam('PHX')?.code).to.equal('PHI')
    expect(suggestTeam('Seahawk')?.code).to.equal('SEA')
  })

  it('suggests nothing when no team is close', () => {
    expect(suggestTeam('Manchester United')).to.equal(undefined)
    expect(suggestTeam('')).to.equal(undefined)
  })

  it('writes the one-line unknown-team message with a suggestion', () => {
    expect(unknownTeamMessage('DALAS')).to.equal("unknown team 'DALAS'; did you mean DAL (Dallas Cowboys)?")
    expect(unknownTeamMessage('Manchester United')).to.equal(
      "unknown team 'Manchester United'; expected a code such as DAL or a name such as Dallas Cowboys",
    )
  })

  it('resolves a team or throws an input error with the one-line message', () => {
    expect(resolveTeam('eagles').code).to.equal('PHI')
    let err: unknown
    try { resolveTeam('DALAS') } catch (e) { err = e }
    expect(err).to.be.instanceOf(NeuralError)
    expect((err as NeuralError).kind).to.equal('input')
    expect((err as NeuralError).code).to.equal('UNKNOWN_TEAM')
    expect((err as NeuralError).exitCode).to.equal(2)
    expect((err as NeuralError).message).to.equal("unknown team 'DALAS'; did you mean DAL (Dallas Cowboys)?")
  })

  it('throws an ambiguous-team error for a shared city', () => {
    expect(() => resolveTeam('New York')).to.throw(NeuralError, "team 'New York' is ambiguous: NYG (New York Giants) or NYJ (New York Jets)")
  })
})
