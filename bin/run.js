#!/usr/bin/env node
// @oclif/core checks, as it loads, that Node satisfies its own `engines`, and loads semver to do it:
// about 60 ms of CPU, a tenth of a short command. Ours (package.json `engines`, stricter) is the one
// that matters. Skipped for this load only: the variable is not left for processes a command starts.
const skipEngineCheck = process.env.OCLIF_DISABLE_ENGINE_WARNING === undefined
if (skipEngineCheck) process.env.OCLIF_DISABLE_ENGINE_WARNING = '1'
const { execute } = await import('@oclif/core')
if (skipEngineCheck) delete process.env.OCLIF_DISABLE_ENGINE_WARNING

await execute({ dir: import.meta.url })
