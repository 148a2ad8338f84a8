/**
 * Plain-text tables and CSV for the CLI (renderers return strings; the CLI prints them).
 */
import { stringify } from 'csv-stringify/sync';

/** A cell value. */
export type Cell = string | number | null | undefined;

/** Format a number with `digits` decimals, or an empty cell. */
export function fmt(x: number | null | undefined, digits = 1): string {
  return x === null || x === undefined || Number.isNaN(x) ? '' : x.toFixed(digits);
}

/** An aligned text table: numbers right-aligned, text left-aligned. */
export function textTable(headers: string[], rows: Cell[][]): string {
  const cells = rows.map((r) => r.map((c) => (c === null || c === undefined ? '' : String(c))));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const numeric = headers.map((_, i) =>
    rows.every((r) => r[i] === null || r[i] === undefined || r[i] === '' || typeof r[i] === 'number' || /^-?[\d.]+x?$/.test(String(r[i]))),
  );
  const line = (r: string[]): string =>
    r
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n') + '\n';
}

/** RFC 4180 CSV with a header row (csv-stringify). */
export function csvTable(headers: string[], rows: Cell[][]): string {
  return stringify(
    rows.map((r) => r.map((c) => (c === null || c === undefined ? '' : c))),
    { header: true, columns: headers },
  );
}
