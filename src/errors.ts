/**
 * Errors about user input: each names where (a file and line, or a field path) and what.
 * The CLI prints `message` and exits with `exitCode` (2 for bad input).
 */
export class DflsimInputError extends Error {
  /** Exit code the CLI uses for this error. */
  readonly exitCode: number;
  /** Where the problem is: `file.gml: line 42`, `config.rounds`, `--topologies`. */
  readonly where: string;

  constructor(where: string, message: string, exitCode = 2) {
    super(where ? `${where}: ${message}` : message);
    this.name = 'DflsimInputError';
    this.where = where;
    this.exitCode = exitCode;
  }
}

/** True when `e` is an input error (bad file, bad flag, bad config field). */
export function isInputError(e: unknown): e is DflsimInputError {
  return e instanceof DflsimInputError;
}

/**
 * A message safe for a terminal: control characters (C0 but newline and tab, DEL, C1) and
 * lone surrogates shown as `\xNN` / `\uNNNN` escapes, so bytes from a file never drive the
 * terminal; runs of such characters longer than 16 elided.
 */
export function printable(text: string): string {
  let out = '';
  let run = 0;
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    const control = (c < 0x20 && c !== 0x0a && c !== 0x09) || (c >= 0x7f && c < 0xa0) || (c >= 0xd800 && c <= 0xdfff) || c === 0xfffd;
    if (!control) {
      run = 0;
      out += ch;
      continue;
    }
    run++;
    if (run <= 16)
      out += c === 0xfffd ? '\\ufffd' : c < 0x100 ? `\\x${c.toString(16).padStart(2, '0')}` : `\\u${c.toString(16).padStart(4, '0')}`;
    else if (run === 17) out += '...';
  }
  return out;
}
