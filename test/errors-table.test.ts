/** The README's error table lists exactly the codes of src/errors.ts, under the same kinds. */
import { expect } from 'chai'
import { readFileSync } from 'node:fs'
import { ERROR_CODES, type ErrorKind } from '../src/errors.js'

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8')

/** kind → the backticked codes of its row in the "kind | what to do | codes" table. */
function readmeTable(): Map<string, string[]> {
  const section = README.slice(README.indexOf('## Exit codes and errors'))
  const rows = new Map<string, string[]>()
  for (const m of section.matchAll(/^\| `([a-z_]+)` \| [^|]+ \| (.+) \|$/gm)) {
    rows.set(m[1]!, [...m[2]!.matchAll(/`([^`]+)`/g)].map((c) => c[1]!))
  }
  return rows
}

describe('error codes', () => {
  it('has one README row per kind, listing exactly the codes of that kind in src/errors.ts', () => {
    const table = readmeTable()
    expect([...table.keys()].sort()).to.deep.equal(Object.keys(ERROR_CODES).sort())
    for (const kind of Object.keys(ERROR_CODES) as ErrorKind[]) {
      // WS_<NAME> stands for every exchange error reply (with an example); not a code of its own.
      const listed = table.get(kind)!.filter((c) => !c.startsWith('WS_'))
      expect([...listed].sort(), kind).to.deep.equal([...ERROR_CODES[kind]].sort())
    }
  })

  it('names every code in UPPER_SNAKE', () => {
    for (const codes of Object.values(ERROR_CODES)) for (const code of codes) expect(code).to.match(/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/)
  })
})
