// Writes oclif.manifest.json after each build: with it, oclif answers `--version` and `--help` and
// finds a command without importing every command module (and everything they import) first.
// The same as `oclif manifest` does, without that package's weight in devDependencies.
import { writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { Plugin } from '@oclif/core'

const root = fileURLToPath(new URL('..', import.meta.url))
const plugin = new Plugin({ root, type: 'core', isRoot: true, ignoreManifest: true, errorOnManifestCreate: true })
await plugin.load()
await writeFile(new URL('../oclif.manifest.json', import.meta.url), JSON.stringify(plugin.manifest, null, 2) + '\n')
process.stderr.write(`oclif.manifest.json: ${Object.keys(plugin.manifest.commands).length} commands\n`)
