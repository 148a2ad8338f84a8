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

/** A value as a message shows it: `null`, `undefined`, `a number (42)`, `an array`, `a function`, `an object`, `a string ("x")`. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `a string (${JSON.stringify(value.length > 40 ? value.slice(0, 40) + '...' : value)})`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return `a ${typeof value} (${String(value)})`;
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

/**
 * Checks a library argument is a non-empty string, or throws a {@link DflsimInputError}
 * naming it (`where`, e.g. `loadConfig: file`): a caller's mistake is said as such, never a
 * TypeError from deep inside.
 */
export function expectString(value: unknown, where: string, what = 'a string'): asserts value is string {
  if (typeof value !== 'string' || value === '') throw new DflsimInputError(where, `expected ${what}, got ${describeValue(value)}`);
}

/** Checks a library argument is a plain object (not null, not an array), or throws a {@link DflsimInputError} naming it. */
export function expectObject(value: unknown, where: string, what = 'an object'): asserts value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new DflsimInputError(where, `expected ${what}, got ${describeValue(value)}`);
}
