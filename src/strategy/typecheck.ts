import { existsSync, readFileSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type ts from 'typescript'
import { NeuralError } from '../errors.js'
import { recall, remember } from './typecheck-cache.js'
import { loadTypescript, saveTypescriptCodeCache } from './typescript-loader.js'
import { displayPath, neuralTypesEntry } from './user-module.js'
import { startThread, workerEntry } from './worker-entry.js'

/**
 * Type-check TypeScript strategy files before they run, against neural's own strategy types, so a
 * `ctx.log('x')` or a misspelt tick field is an error at load rather than at runtime (or never).
 * The TypeScript compiler (several MB) is imported only here, only when a .ts strategy is checked.
 */

/** Diagnostics shown in full; the rest are counted. */
export const TYPECHECK_SHOWN = 5

export interface TypecheckOptions {
  /** Paths in messages are relative to this when inside it. @default process.cwd() */
  cwd?: string
  /** Reuse the outcome of an earlier check when nothing it read has changed (typecheck-cache.ts). @default true */
  cache?: boolean
  /** @internal Where the check runs: a worker thread of its own unless a test keeps it in its thread. */
  check?: (files: readonly string[], cwd: string) => Promise<TypeCheckResult>
}

/** What a failed check reports: the one-line message and one line per diagnostic shown. */
export interface TypeErrorReport {
  message: string
  details: string[]
}

/**
 * Check `files` (absolute paths) in a worker thread of its own; throws STRATEGY_TYPECHECK (input,
 * exit 2) with one `details` line per type error. In a worker because building the program keeps a
 * thread busy for a second or more, and Ctrl-C must end the command within a second at every stage.
 */
export async function typecheckStrategyFiles(files: readonly string[], options: TypecheckOptions = {}): Promise<void> {
  if (files.length === 0) return
  const cwd = options.cwd ?? process.cwd()
  // Where types are looked up is part of what a pass means: a new node_modules/@types changes it.
  // So is the copy of the check that runs, which is the build's when this module runs from source
  // but its thread from the build (the test suite's threads, worker-entry.ts): keyed as the build's,
  // the outcome is shared with the built CLI's checks of the same files, as it should be.
  const checker = options.check ? import.meta.url : threadChecker()
  const cacheKey = JSON.stringify({ typeRoots: typeRootsFor(files), neural: neuralTypesEntry(checker), checker: checkerStamp(checker) })
  const cached = options.cache !== false
  let outcome = cached ? recall(files, cacheKey, cwd) : undefined
  if (!outcome) {
    const result = await (options.check ?? checkInWorker)(files, cwd)
    if (cached && result.inputs.length > 0) remember(files, cacheKey, cwd, result)
    outcome = result
  }
  const report = outcome.report
  if (report) throw new NeuralError('input', 'STRATEGY_TYPECHECK', report.message, { details: report.details })
}

/** The checking module's file as it is now: another version of the check does not trust this one's outcomes. */
function checkerStamp(checker: string): string {
  return fileStamp(fileURLToPath(checker)) ?? 'unknown'
}

/** The URL of the copy of this module that checkInWorker's thread runs. */
export function threadChecker(): string {
  const { entry } = workerEntry('./typecheck-worker.js', import.meta.url)
  return entry instanceof URL ? new URL('./typecheck.js', entry).href : import.meta.url
}

/** A file's size and modification time, which change whenever it is written; undefined when it cannot be read. */
function fileStamp(file: string): string | undefined {
  try {
    const { size, mtimeMs } = statSync(file)
    return `${size}:${mtimeMs}`
  } catch {
    return undefined
  }
}

async function checkInWorker(files: readonly string[], cwd: string): Promise<TypeCheckResult> {
  const worker = startThread('./typecheck-worker.js', import.meta.url, { workerData: { files, cwd } })
  try {
    return await new Promise<TypeCheckResult>((resolve, reject) => {
      const failed = (why: string, cause?: unknown) => reject(new NeuralError('internal', 'INTERNAL', `the type check of ${files.map((f) => displayPath(f, cwd)).join(', ')} failed: ${why} (--no-typecheck skips it)`, { cause }))
      worker.once('message', (m: { result?: TypeCheckResult; failure?: string }) => (m.failure === undefined ? resolve(m.result!) : failed(m.failure)))
      worker.once('error', (error) => failed(error.message, error))
      worker.once('exit', (code) => failed(`its thread exited (code ${code})`))
    })
  } finally {
    void worker.terminate()
  }
}

/** A check's report (undefined when it passed) and every file its program read. */
export interface TypeCheckResult {
  report?: TypeErrorReport
  inputs: string[]
}

/** checkTypes' report alone: undefined when the files pass. */
export async function findTypeErrors(files: readonly string[], cwd: string): Promise<TypeErrorReport | undefined> {
  return (await checkTypes(files, cwd)).report
}

/**
 * One program over all `files` with noEmit, in this thread. A report when a file, or a local file it
 * imports, has a type error; none when there is none. A file with a syntax error passes: loading it
 * reports that error with esbuild's message, as it does without the check.
 *
 * Quick first, when neural runs from its build: a program without Node's types, where 'neural' is
 * strategy-types.d.ts, reads a third of the declarations (a first check of a sample strategy: 1.4-1.5
 * CPU-seconds instead of 2.5-2.8 on the 2-core build machine). It decides only a pass: a strategy
 * that uses anything it lacks (Node's globals or modules, a part of neural that needs them) fails
 * it, and is checked again in full, whose outcome is the one reported.
 */
export async function checkTypes(files: readonly string[], cwd: string): Promise<TypeCheckResult> {
  const typescript = loadTypescript()
  // A syntax error in a file given is found by parsing that file alone, before a program reads the
  // ~250 declaration files it would need (loading then reports the error, as above).
  if (files.some((file) => hasSyntaxError(typescript, file))) return { inputs: [] }
  try {
    const quickTypes = strategyTypesEntry()
    if (quickTypes) {
      const quick = checkProgram(typescript, files, cwd, quickTypes)
      if (quick && !quick.report) return quick
    }
    return checkProgram(typescript, files, cwd, undefined)!
  } finally {
    // After the check, so the cache holds the compiler's functions the check compiled, not only its top level.
    saveTypescriptCodeCache()
  }
}

/**
 * The check of one program: in full (`quickTypes` undefined), or quick, against `quickTypes` and no
 * Node types; undefined when a quick program cannot stand for the full one (a 'neural' other than
 * this running copy, whose types are its own).
 */
function checkProgram(typescript: typeof ts, files: readonly string[], cwd: string, quickTypes: string | undefined): TypeCheckResult | undefined {
  const built = createProgram(typescript, files, quickTypes)
  if (!built) return undefined
  const { program, virtual } = built
  const own = neuralSourceDir()
  const sourceFiles = program.getSourceFiles().filter((sf) => sf.fileName !== virtual)
  const userFiles = sourceFiles.filter((sf) =>
    !sf.isDeclarationFile && !program.isSourceFileFromExternalLibrary(sf) && !(own && isInside(sf.fileName, own)))
  // A syntax error passes here, unremembered (no inputs): loading reports it.
  if (userFiles.some((sf) => program.getSyntacticDiagnostics(sf).length > 0)) return { inputs: [] }
  const diagnostics = [
    ...program.getOptionsDiagnostics(),
    ...program.getGlobalDiagnostics(),
    ...userFiles.flatMap((sf) => program.getSemanticDiagnostics(sf)),
  ].filter((d) => d.category === typescript.DiagnosticCategory.Error)
  // The folders of the user's files too: a file created beside them (a missing './lib.ts' added) can
  // change what the program would find without changing any file it read.
  const inputs = [...new Set([...sourceFiles.map((sf) => path.resolve(sf.fileName)), ...userFiles.map((sf) => path.dirname(path.resolve(sf.fileName)))])]
  if (diagnostics.length > 0) return { report: typeErrorReport(typescript, diagnostics, files, cwd), inputs }
  return { inputs }
}

/**
 * The quick check's 'neural': strategy-types.d.ts beside this file, in the build. None when neural
 * runs from source, where it is a .ts file whose own imports need Node's types.
 */
function strategyTypesEntry(): string | undefined {
  const file = fileURLToPath(new URL('./strategy-types.d.ts', import.meta.url))
  return existsSync(file) ? file : undefined
}

/**
 * Node's `console`, as @types/node declares its common methods, for the quick check: a strategy may
 * log without being checked in full. Anything more of Node's is missing there, so a strategy that
 * uses it fails the quick check and passes or fails the full one.
 */
const QUICK_GLOBALS = `declare var console: {
  log(message?: any, ...optionalParams: any[]): void
  info(message?: any, ...optionalParams: any[]): void
  warn(message?: any, ...optionalParams: any[]): void
  error(message?: any, ...optionalParams: any[]): void
  debug(message?: any, ...optionalParams: any[]): void
}
`

function hasSyntaxError(typescript: typeof ts, file: string): boolean {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    return false
  }
  const { diagnostics } = typescript.transpileModule(text, { fileName: file, reportDiagnostics: true, compilerOptions: { noLib: true, noResolve: true } })
  return (diagnostics ?? []).some((d) => d.category === typescript.DiagnosticCategory.Error)
}

/**
 * The options a strategy is checked with: strict, as `tsc --init` sets up a project, except
 * noImplicitAny (an unannotated handler parameter or a package without types is not a fault in
 * the strategy's use of neural); module resolution as tsx loads files (bundler: extensionless and
 * `.ts` imports); Node's globals from @types/node.
 */
function compilerOptions(typescript: typeof ts, files: readonly string[], quick: boolean): ts.CompilerOptions {
  const typeRoots = typeRootsFor(files)
  const hasNodeTypes = !quick && typeRoots.some((root) => existsSync(path.join(root, 'node', 'package.json')))
  return {
    noEmit: true,
    strict: true,
    noImplicitAny: false,
    skipLibCheck: true,
    target: typescript.ScriptTarget.ES2022,
    lib: ['lib.es2023.d.ts'],
    module: typescript.ModuleKind.Preserve,
    moduleResolution: typescript.ModuleResolutionKind.Bundler,
    allowImportingTsExtensions: true,
    resolveJsonModule: true,
    esModuleInterop: true,
    typeRoots,
    types: hasNodeTypes ? ['node'] : [],
  }
}

/**
 * Declaration files, and neural's own files (its sources, when it runs from them, as the test suite
 * does), parsed by an earlier check in this thread, by path, kept while their size and modification
 * time hold: the standard library, @types/node and neural's own types are about 250 files, and
 * parsing them is most of a second check's cost. A parsed file is shared between programs as
 * TypeScript's language service shares it (the checker keeps its own state apart). A strategy's own
 * .ts files are parsed every time: a check with the cache off must see an edit that kept the size
 * and time. One map per thread, shared by every copy of this module in it, as the compiler is
 * (typescript-loader.ts): the built check and the one from source read the same library files.
 */
const DECLARATIONS = Symbol.for('neural.typecheck.declarations')
const declarationsSlot = globalThis as { [DECLARATIONS]?: Map<string, { stamp: string; sourceFile: ts.SourceFile }> }
const parsedDeclarations = (declarationsSlot[DECLARATIONS] ??= new Map())

function reuseDeclarations(host: ts.CompilerHost): void {
  const parse = host.getSourceFile.bind(host)
  const own = neuralSourceDir()
  host.getSourceFile = (fileName, languageVersionOrOptions, onError, shouldCreate) => {
    if (!fileName.endsWith('.d.ts') && !(own && isInside(fileName, own))) return parse(fileName, languageVersionOrOptions, onError, shouldCreate)
    const fileState = fileStamp(fileName)
    if (fileState === undefined) return parse(fileName, languageVersionOrOptions, onError, shouldCreate)
    const mode = typeof languageVersionOrOptions === 'object' ? [languageVersionOrOptions.languageVersion, languageVersionOrOptions.impliedNodeFormat, languageVersionOrOptions.jsDocParsingMode] : [languageVersionOrOptions]
    const stamp = `${fileState}:${mode.join(':')}`
    const known = parsedDeclarations.get(fileName)
    if (known?.stamp === stamp) return known.sourceFile
    const sourceFile = parse(fileName, languageVersionOrOptions, onError, shouldCreate)
    if (sourceFile) parsedDeclarations.set(fileName, { stamp, sourceFile })
    else parsedDeclarations.delete(fileName)
    return sourceFile
  }
}

function createProgram(typescript: typeof ts, files: readonly string[], quickTypes: string | undefined): { program: ts.Program; virtual?: string } | undefined {
  const options = compilerOptions(typescript, files, quickTypes !== undefined)
  const host = typescript.createCompilerHost(options)
  // As tsc itself does: JSDoc comments are parsed only where they can carry types (JavaScript files).
  // @types/node is mostly comments, and parsing them was about a third of a first check.
  host.jsDocParsingMode = typescript.JSDocParsingMode.ParseForTypeErrors
  // The quick check's globals: a file of no folder's, made here (never read from disk, never remembered as an input).
  const virtual = quickTypes && path.join(path.dirname(quickTypes), '__neural-quick-globals.d.ts')
  if (virtual) {
    const read = host.getSourceFile.bind(host)
    host.getSourceFile = (fileName, languageVersionOrOptions, onError, shouldCreate) =>
      fileName === virtual ? typescript.createSourceFile(fileName, QUICK_GLOBALS, languageVersionOrOptions) : read(fileName, languageVersionOrOptions, onError, shouldCreate)
  }
  reuseDeclarations(host)
  const cache = typescript.createModuleResolutionCache(host.getCurrentDirectory(), (f) => host.getCanonicalFileName(f), options)
  const fallback = neuralTypesEntry()
  let foreignNeural = false
  // As at runtime (user-module.ts): 'neural' resolves normally from the importing file first, and
  // only when nothing provides it means this running copy of neural. In the quick check, this copy
  // is its strategy types; another copy makes the quick check stand for nothing.
  host.resolveModuleNameLiterals = (literals, containingFile, redirectedReference, opts, containingSourceFile) =>
    literals.map((literal) => {
      const mode = typescript.getModeForUsageLocation(containingSourceFile, literal, opts)
      const resolved = typescript.resolveModuleName(literal.text, containingFile, opts, host, cache, redirectedReference, mode)
      if (literal.text !== 'neural') return resolved
      const found = resolved.resolvedModule?.resolvedFileName
      if (quickTypes) {
        if (found !== undefined && (!fallback || path.resolve(found) !== path.resolve(fallback))) foreignNeural = true
        return { resolvedModule: { resolvedFileName: quickTypes, extension: typescript.Extension.Dts, isExternalLibraryImport: false } }
      }
      if (found !== undefined || !fallback) return resolved
      const extension = fallback.endsWith('.d.ts') ? typescript.Extension.Dts : typescript.Extension.Ts
      return { resolvedModule: { resolvedFileName: fallback, extension, isExternalLibraryImport: false } }
    })
  const program = typescript.createProgram({ rootNames: virtual ? [...files, virtual] : [...files], options, host })
  return foreignNeural ? undefined : { program, virtual }
}

/**
 * Where `types: ['node']` is looked for: the `node_modules/@types` of each strategy's own folders
 * (a project's own @types/node wins), then neural's (a strategy outside any project).
 */
function typeRootsFor(files: readonly string[]): string[] {
  const roots: string[] = []
  const add = (dir: string) => {
    if (!roots.includes(dir) && existsSync(dir)) roots.push(dir)
  }
  for (const file of files) {
    for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
      add(path.join(dir, 'node_modules', '@types'))
      if (path.dirname(dir) === dir) break
    }
  }
  const own = ownNodeTypes()
  if (own) add(own)
  return roots
}

/** The @types folder holding neural's own @types/node (a dependency), if it can be found. */
function ownNodeTypes(): string | undefined {
  try {
    return path.dirname(path.dirname(createRequire(import.meta.url).resolve('@types/node/package.json')))
  } catch {
    return undefined
  }
}

/** The folder of neural's own code (dist/ or src/): its files are not the strategy's to fix. */
function neuralSourceDir(): string | undefined {
  const entry = neuralTypesEntry()
  return entry && path.dirname(entry)
}

function isInside(file: string, dir: string): boolean {
  const rel = path.relative(dir, file)
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel)
}

function typeErrorReport(typescript: typeof ts, diagnostics: readonly ts.Diagnostic[], files: readonly string[], cwd: string): TypeErrorReport {
  const show = (file: string) => displayPath(file, cwd)
  const lines = diagnostics.map((d) => {
    // A chain ("Type X is not assignable to type Y." / "  Property z is missing") as one line.
    const text = typescript.flattenDiagnosticMessageText(d.messageText, '\n').split('\n').map((l) => l.trim()).filter(Boolean).join(' ')
    if (!d.file || d.start === undefined) return `error TS${d.code}: ${text}`
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start)
    return `${show(d.file.fileName)}:${line + 1}:${character + 1}: error TS${d.code}: ${text}`
  })
  const shown = lines.slice(0, TYPECHECK_SHOWN)
  if (lines.length > shown.length) shown.push(`and ${lines.length - shown.length} more`)
  const failing = [...new Set(diagnostics.map((d) => d.file?.fileName).filter((f): f is string => f !== undefined))]
  const named = (failing.length > 0 ? failing : files).map(show).join(', ')
  const count = `${diagnostics.length} type error${diagnostics.length === 1 ? '' : 's'}`
  return { message: `${named}: ${count} (--no-typecheck skips this check)`, details: shown }
}
