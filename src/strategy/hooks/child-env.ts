/**
 * The environment an `--hook exec:` command gets: ours minus every credential. A hook is a user
 * command that reads signals; it has no need for the Kalshi key, and a script that logs its
 * environment (or a dependency that reports crashes with it) must not carry the key away.
 */

/**
 * Names that are credentials: Kalshi's own; the usual words for secrets wherever they appear; and
 * short words that are secrets only as a whole word between underscores (GITHUB_PAT, DB_PASS,
 * OPENAI_KEY, SSH_AUTH_SOCK; and MYSQL_PWD, not PWD), which as substrings would take PATH or
 * KEYBOARD_LAYOUT too.
 */
const CREDENTIAL_NAME = /^KALSHI_(API_KEY_ID|API_SECRET|PRIVATE_KEY|PRIVATE_KEY_PATH)$|SECRET|TOKEN|PASSWORD|PASSWD|CRED|PRIVATE_KEY|API_?KEY|ACCESS_KEY|KEY_ID|NKEY|SEED|(^|_)(PAT|PASS|KEY|AUTH)(_|$)|_PWD$/i

/** The variable listing names a user passes to hook commands on purpose (comma separated). */
export const PASS_ENV_VAR = 'NEURAL_HOOK_PASS_ENV'

export function isCredentialName(name: string): boolean {
  return CREDENTIAL_NAME.test(name)
}

/** `env` without credentials, except the names listed in NEURAL_HOOK_PASS_ENV. */
export function childEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const pass = new Set((env[PASS_ENV_VAR] ?? '').split(',').map((s) => s.trim()).filter(Boolean))
  const out: NodeJS.ProcessEnv = {}
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue
    if (isCredentialName(name) && !pass.has(name)) continue
    out[name] = value
  }
  return out
}
