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
