/**
 * A reader for GML (Graph Modelling Language, Himsolt 1997) as used by the Internet
 * Topology Zoo and by the public code of Marfoq et al. (NeurIPS 2020) / Do et al.
 * (ICCV 2023): `graph [ node [ id N label "NAME" ... ] edge [ source A target B distance D ] ]`.
 *
 * The parser keeps line numbers so that every error names the file and line.
 */
import he from 'he';
import { DflsimInputError, printable } from '../errors.js';

/** A GML value: a number, a string or a nested list of key-value pairs. */
export type GmlValue = number | string | GmlList;

/** One `key value` entry of a GML list, with the line it starts on. */
export interface GmlEntry {
  key: string;
  value: GmlValue;
  line: number;
}

/** A bracketed GML list. */
export interface GmlList {
  kind: 'list';
  entries: GmlEntry[];
  line: number;
}

interface Token {
  type: 'key' | 'number' | 'string' | 'open' | 'close';
  text: string;
  line: number;
}

/** Largest GML text read (16 MiB): the papers' networks are under 20 KiB. */
export const MAX_GML_BYTES = 16 * 1024 * 1024;

/** Deepest nesting of GML lists accepted (a network file nests 3 or 4: graph, node, graphics). */
export const MAX_GML_DEPTH = 32;

/**
 * The tokens of GML text, one at a time (no array of millions of tokens), refusing lists
 * nested deeper than {@link MAX_GML_DEPTH} at the first one that is.
 */
function* tokenize(text: string, file: string): Generator<Token> {
  let i = 0;
  let line = 1;
  let depth = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i];
    if (c === '\n') {
      line++;
      i++;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    if (c === '#') {
      // comment to end of line
      while (i < n && text[i] !== '\n') i++;
      continue;
    }
    if (c === '[') {
      if (++depth > MAX_GML_DEPTH)
        throw new DflsimInputError(
          `${file}: line ${line}`,
          `lists nested deeper than ${MAX_GML_DEPTH} levels (a network file nests 3 or 4: graph, node, graphics)`,
        );
      yield { type: 'open', text: c, line };
      i++;
      continue;
    }
    if (c === ']') {
      depth = Math.max(0, depth - 1);
      yield { type: 'close', text: c, line };
      i++;
      continue;
    }
    if (c === '"') {
      const start = line;
      let j = i + 1;
      while (j < n && text[j] !== '"') {
        if (text[j] === '\n') line++;
        j++;
      }
      if (j >= n) throw new DflsimInputError(`${file}: line ${start}`, 'unterminated string');
      yield { type: 'string', text: text.slice(i + 1, j), line: start };
      i = j + 1;
      continue;
    }
    let j = i;
    while (j < n && !/[\s\[\]"]/.test(text[j])) j++;
    const word = text.slice(i, j);
    if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(word) || /^[+-]?(inf|nan)$/i.test(word)) {
      yield { type: 'number', text: word, line };
    } else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(word)) {
      yield { type: 'key', text: word, line };
    } else {
      const shown = word.length > 40 ? `${word.slice(0, 40)}...` : word;
      throw new DflsimInputError(
        `${file}: line ${line}`,
        `unexpected text "${printable(shown)}"${/[\u0000-\u0008\u000e-\u001f\u007f-\u009f\ufffd]/.test(word) ? ' (binary data: is this a GML file?)' : ''}`,
      );
    }
    i = j;
  }
}

/**
 * Parse GML text into nested lists: at most {@link MAX_GML_BYTES} of it, nested at most
 * {@link MAX_GML_DEPTH} deep (both refused before any more is read).
 * @param text the file's contents
 * @param file the file name used in error messages
 */
export function parseGml(text: string, file = '<gml>'): GmlList {
  if (text.length > MAX_GML_BYTES)
    throw new DflsimInputError(
      file,
      `${(text.length / 1048576).toFixed(1)} MiB of GML, above the ${MAX_GML_BYTES / 1048576} MiB dflsim reads`,
    );
  const tokens = tokenize(text, file);
  const next = (): Token | undefined => {
    const r = tokens.next();
    return r.done ? undefined : r.value;
  };
  // iterative (an explicit stack of open lists), so nesting never grows the call stack
  const root: GmlList = { kind: 'list', entries: [], line: 1 };
  const stack: GmlList[] = [root];
  for (let t = next(); t; t = next()) {
    const top = stack[stack.length - 1];
    if (t.type === 'close') {
      if (stack.length === 1) throw new DflsimInputError(`${file}: line ${t.line}`, 'unbalanced "]" with no matching "["');
      stack.pop();
      continue;
    }
    if (t.type !== 'key') {
      throw new DflsimInputError(`${file}: line ${t.line}`, `expected a key, found ${t.type === 'open' ? '"["' : `"${t.text}"`}`);
    }
    const v = next();
    if (!v || v.type === 'close') {
      throw new DflsimInputError(`${file}: line ${t.line}`, `key "${t.text}" has no value`);
    }
    if (v.type === 'open') {
      const list: GmlList = { kind: 'list', entries: [], line: v.line };
      top.entries.push({ key: t.text, value: list, line: t.line });
      stack.push(list);
    } else if (v.type === 'number') {
      top.entries.push({ key: t.text, value: Number(v.text.replace(/^([+-]?)inf$/i, '$1Infinity')), line: t.line });
    } else if (v.type === 'string') {
      top.entries.push({ key: t.text, value: he.decode(v.text), line: t.line });
    } else {
      throw new DflsimInputError(`${file}: line ${v.line}`, `key "${t.text}" has no value`);
    }
  }
  if (stack.length > 1) {
    const open = stack[stack.length - 1];
    throw new DflsimInputError(`${file}: line ${open.line}`, 'unbalanced "[": the list opened here is never closed');
  }
  return root;
}

/** First entry of `list` named `key`, if any. */
export function gmlGet(list: GmlList, key: string): GmlEntry | undefined {
  return list.entries.find((e) => e.key === key);
}
