/**
 * Telling key text from a path, so that a value that might be (part of) a private key is never
 * printed: not in an error line, not in a `--json` error, not in a `--debug` stack.
 */

/**
 * True when `value` could be key material rather than a file path: PEM armour, a line break (real
 * or the `\n` of a one-line .env PEM), or a run of 32+ base64 characters with no path punctuation
 * (a PEM body line is 64; a path's parts are separated by `/` and usually carry a `.` or `-`).
 */
export function couldBeKeyText(value: string): boolean {
  return /-----|PRIVATE KEY|[\r\n]|\\n/.test(value) || /[A-Za-z0-9+=]{32,}/.test(value) || isBase64Line(value)
}

/**
 * A PEM body line whose `/` characters cut it into runs shorter than 32 (seen: "pYF/VDVU…/uMdy…45r"):
 * 40+ characters of the base64 alphabet only, with a run of 12+ that mixes upper case, lower case and
 * digits, as random bytes do and directory names rarely do.
 */
function isBase64Line(value: string): boolean {
  if (!/^[A-Za-z0-9+/]{40,}={0,2}$/.test(value)) return false
  return value.split('/').some((run) => run.length >= 12 && /[A-Z]/.test(run) && /[a-z]/.test(run) && /[0-9]/.test(run))
}
