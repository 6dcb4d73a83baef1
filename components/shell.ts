// Shell text helpers shared by every component that builds remote command lines.

/** Single-quotes a word for a POSIX shell. */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * A RainerScript (rsyslog) string constant: backslash, double quote and `$` are escaped (rsyslogd refuses
 * a bare `$` inside double quotes: "$-sign in double quotes must be escaped").
 */
export function rainerString(text: string): string {
  return `"${text.replace(/[\\"$]/g, (c) => `\\${c}`)}"`;
}
