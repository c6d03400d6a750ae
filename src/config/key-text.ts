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
  return /-----|PRIVATE KEY|[\r\n]|\\n/.test(value) || /[A-Za-z0-9+=]{32,}/.test(value)
}
