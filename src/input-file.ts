/**
 * Reading the user's input files (networks, overlays, configs): one place that checks the
 * path exists and is a regular file, and that turns JSON/YAML syntax errors into
 * `file: line L, column C: ...` errors.
 */
import { readFileSync, statSync } from 'node:fs';
import YAML from 'yaml';
import { DflsimInputError } from './errors.js';

/**
 * Read a text input file.
 * @param file the path
 * @param what what the file is, for messages (`network file`, `overlay file`, `config file`)
 * @param where where to report a problem (default: the path itself)
 * @param maxBytes refuse a larger file before reading it (default: no limit)
 * @throws DflsimInputError when the path does not exist, is a directory or another non-file, is larger than `maxBytes`, or cannot be read
 */
export function readInputFile(file: string, what: string, where: string = file, maxBytes = Infinity): string {
  let st;
  try {
    st = statSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new DflsimInputError(where, `${what} not found${where === file ? '' : `: ${file}`}`);
    throw new DflsimInputError(where, `cannot read ${what}${where === file ? '' : ` ${file}`}: ${(e as Error).message}`);
  }
  const aWhat = `${/^[aeiou]/i.test(what) ? 'an' : 'a'} ${what}`;
  if (st.isDirectory()) throw new DflsimInputError(where, `${where === file ? 'is' : `${file} is`} a directory, not ${aWhat}`);
  if (!st.isFile()) throw new DflsimInputError(where, `${where === file ? 'is' : `${file} is`} not a regular file (expected ${aWhat})`);
  if (st.size > maxBytes)
    throw new DflsimInputError(
      where,
      `${where === file ? '' : `${file}: `}${(st.size / 1048576).toFixed(1)} MiB, above the largest ${what} dflsim reads (${(maxBytes / 1048576).toFixed(0)} MiB)`,
    );
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new DflsimInputError(where, `cannot read ${what}: ${(e as Error).message}`);
  }
}

/** Line and column (1-based) of a character offset in `text`. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const o = Math.max(0, Math.min(offset, text.length));
  let line = 1;
  let start = 0;
  for (let i = 0; i < o; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      start = i + 1;
    }
  }
  return { line, column: o - start + 1 };
}

/**
 * Where and why `text` is not valid JSON (RFC 8259), or undefined if it is: a scanner with
 * an explicit stack (deep nesting cannot overflow), run only after `JSON.parse` failed,
 * because V8's messages do not always give a position.
 */
export function jsonSyntaxError(text: string): { offset: number; what: string } | undefined {
  type Expect = 'value' | 'value-or-]' | 'key-or-}' | 'key' | 'colon' | 'comma-or-close' | 'end';
  const n = text.length;
  const stack: ('[' | '{')[] = [];
  let state = 'value' as Expect;
  let i = 0;
  const show = (k: number): string => (k >= n ? 'the end of the file' : `"${text[k]}"`);
  const afterValue = (): void => {
    state = stack.length ? 'comma-or-close' : 'end';
  };
  /** End of the string starting at `i` (its closing quote + 1), or an error. */
  const scanString = (): number | { offset: number; what: string } => {
    let j = i + 1;
    while (j < n) {
      const c = text.charCodeAt(j);
      if (c === 34) return j + 1;
      if (c < 0x20) return { offset: j, what: 'a control character (such as a line break) inside a string' };
      if (c === 92) {
        const e = text[j + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(j + 2, j + 6)))
            return { offset: j, what: 'bad \\u escape in a string (expected 4 hex digits)' };
          j += 6;
          continue;
        }
        if (e === undefined || !'"\\/bfnrt'.includes(e)) return { offset: j, what: `bad escape "\\${e ?? ''}" in a string` };
        j += 2;
        continue;
      }
      j++;
    }
    return { offset: i, what: 'unterminated string' };
  };
  const number = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
  for (;;) {
    while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
    if (i >= n) return state === 'end' ? undefined : { offset: n, what: 'unexpected end of the file (a value, "]" or "}" is missing)' };
    const c = text[i];
    switch (state) {
      case 'end':
        return { offset: i, what: `unexpected ${show(i)} after the end of the JSON value` };
      case 'colon':
        if (c !== ':') return { offset: i, what: `expected ":" after the property name, found ${show(i)}` };
        i++;
        state = 'value';
        break;
      case 'key-or-}':
      case 'key': {
        if (c === '}' && state === 'key-or-}') {
          stack.pop();
          i++;
          afterValue();
          break;
        }
        if (c !== '"')
          return {
            offset: i,
            what: `expected a property name in double quotes, found ${show(i)}${c === '}' ? ' (a trailing comma?)' : ''}`,
          };
        const end = scanString();
        if (typeof end !== 'number') return end;
        i = end;
        state = 'colon';
        break;
      }
      case 'comma-or-close': {
        const top = stack[stack.length - 1];
        const close = top === '[' ? ']' : '}';
        if (c === ',') {
          i++;
          state = top === '[' ? 'value' : 'key';
          break;
        }
        if (c === close) {
          stack.pop();
          i++;
          afterValue();
          break;
        }
        return { offset: i, what: `expected "," or "${close}", found ${show(i)}` };
      }
      case 'value-or-]':
      case 'value': {
        if (c === ']' && state === 'value-or-]') {
          stack.pop();
          i++;
          afterValue();
          break;
        }
        if (c === '{') {
          stack.push('{');
          i++;
          state = 'key-or-}';
          break;
        }
        if (c === '[') {
          stack.push('[');
          i++;
          state = 'value-or-]';
          break;
        }
        if (c === '"') {
          const end = scanString();
          if (typeof end !== 'number') return end;
          i = end;
          afterValue();
          break;
        }
        const lit = ['true', 'false', 'null'].find((w) => text.startsWith(w, i));
        if (lit) {
          i += lit.length;
          afterValue();
          break;
        }
        number.lastIndex = i;
        const m = number.exec(text);
        if (m && m[0].length && m[0] !== '-') {
          i += m[0].length;
          afterValue();
          break;
        }
        return { offset: i, what: `expected a value, found ${show(i)}${c === ']' ? ' (a trailing comma?)' : ''}` };
      }
    }
  }
}

/** Parse JSON; a syntax error becomes a DflsimInputError at `file: line L, column C`. */
export function parseJsonInput(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const found = jsonSyntaxError(text);
    const offset = found?.offset ?? Number(/at position (\d+)/.exec((e as Error).message)?.[1] ?? text.length);
    const at = lineColumn(text, offset);
    throw new DflsimInputError(
      `${file}: line ${at.line}, column ${at.column}`,
      `cannot parse JSON: ${found?.what ?? (e as Error).message}`,
    );
  }
}

/** Parse YAML; a syntax error becomes a DflsimInputError at `file: line L, column C`. */
export function parseYamlInput(text: string, file: string): unknown {
  try {
    return YAML.parse(text);
  } catch (e) {
    const pos = (e as { linePos?: { line: number; col: number }[] }).linePos?.[0];
    const what = (e as Error).message.split('\n')[0].replace(/\s*at line \d+, column \d+:?$/, '');
    throw new DflsimInputError(pos ? `${file}: line ${pos.line}, column ${pos.col}` : file, `cannot parse YAML: ${what}`);
  }
}
