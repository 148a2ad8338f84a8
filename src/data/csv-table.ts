/**
 * A CSV table as a {@link TensorDataset}: a header row, one sample per row; feature
 * columns become a `[features]` sample, a label column the class or target, an optional
 * group column the natural silo. Parsed with `csv-parse` (RFC 4180: quoted cells may hold
 * commas and line breaks); every error names `file:line` and the column.
 *
 * Labels: text labels are classes (sorted names); integer labels are class indices; other
 * numbers are regression targets; `task` overrides (`value` for integer targets). Several
 * label columns give several regression targets.
 */
import { parse } from 'csv-parse/sync';
import path from 'node:path';
import { DflsimInputError } from '../errors.js';
import { readInputFile } from '../input-file.js';
import { checkTensorDataset, resolveLabels, type RawLabels, type TensorDataset } from './tensor-dataset.js';

/** Options of {@link readCsvDataset} (and of `parseCsvDataset`, its parser of a CSV text). */
export interface CsvDatasetOptions {
  /** The label column, or several target columns (regression). */
  label: string | readonly string[];
  /** Feature columns, in sample order (default: every column but the label and group columns). */
  columns?: readonly string[];
  /** A column holding each sample's natural silo (hospital, user, device, ...). */
  group?: string;
  /** `class` or `value` (regression); default from the label values (see the module doc). */
  task?: 'class' | 'value';
  /** Dataset name (default: the file name). */
  name?: string;
  /** Refuse a larger file (default 256 MiB). */
  maxBytes?: number;
  /** Refuse more rows (default 10 000 000). */
  maxRows?: number;
  /** Prefix of option errors (default `dataset`), e.g. `exp.json: dataset`. */
  where?: string;
}

/** Default bound on a CSV file's size (256 MiB). */
export const DEFAULT_MAX_CSV_BYTES = 256 * 1024 ** 2;

/** Default bound on a CSV file's rows. */
export const DEFAULT_MAX_CSV_ROWS = 10_000_000;

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INTEGER = /^[+-]?\d+$/;

/**
 * Read a CSV table into a dataset.
 * @param file the CSV path
 * @param options label, features, group, task
 * @throws DflsimInputError as `parseCsvDataset` (bad cells, columns or labels, with the line), and for a missing or oversized file
 */
export function readCsvDataset(file: string, options: CsvDatasetOptions): TensorDataset {
  const text = readInputFile(file, 'CSV file', file, options.maxBytes ?? DEFAULT_MAX_CSV_BYTES);
  return parseCsvDataset(text, file, { ...options, name: options.name ?? path.basename(file) });
}

/**
 * Parse a CSV table's text into a dataset.
 * @param text the file's contents
 * @param file the file to name in errors
 * @param options label, features, group, task
 * @throws DflsimInputError naming `file:line` and the column: invalid CSV, a missing
 *   label, group or feature column, a repeated header name, a row with the wrong number of
 *   cells, a feature cell that is not a number, an empty label, a label that does not fit
 *   the task, more rows than `maxRows`
 */
export function parseCsvDataset(text: string, file: string, options: CsvDatasetOptions): TensorDataset {
  const where = options.where ?? 'dataset';
  const labelCols = typeof options.label === 'string' ? [options.label] : [...options.label];
  if (labelCols.length === 0) throw new DflsimInputError(`${where}: label`, 'names no column');
  if (labelCols.length > 1 && options.task === 'class')
    throw new DflsimInputError(`${where}: label`, `names ${labelCols.length} columns, but class labels come from one column`);
  let rows: { record: string[]; info: { lines: number } }[];
  try {
    rows = parse(text, { info: true, bom: true, relax_column_count: true, skip_empty_lines: true }) as unknown as typeof rows;
  } catch (e) {
    const err = e as { message?: string; lines?: number };
    throw new DflsimInputError(`${file}:${err.lines ?? 1}`, `not valid CSV: ${err.message ?? String(e)}`);
  }
  if (rows.length === 0) throw new DflsimInputError(`${file}:1`, 'empty: expected a header row, then one row per sample');
  const maxRows = options.maxRows ?? DEFAULT_MAX_CSV_ROWS;
  if (rows.length - 1 > maxRows) throw new DflsimInputError(file, `has ${rows.length - 1} rows, more than the ${maxRows} read`);
  const header = rows[0].record.map((h) => h.trim());
  const hl = rows[0].info.lines;
  const col = new Map<string, number>();
  header.forEach((h, c) => {
    if (col.has(h))
      throw new DflsimInputError(`${file}:${hl}`, `column "${h}" appears twice in the header (columns ${col.get(h)! + 1} and ${c + 1})`);
    col.set(h, c);
  });
  const columnsText = header.map((h) => `"${h}"`).join(', ');
  const need = (name: string, field: string): number => {
    const c = col.get(name);
    if (c === undefined)
      throw new DflsimInputError(`${file}:${hl}`, `${field} column "${name}" is not in the header (its columns: ${columnsText})`);
    return c;
  };
  const labelIdx = labelCols.map((c) => need(c, 'label'));
  const groupIdx = options.group !== undefined ? need(options.group, 'group') : undefined;
  const skip = new Set([...labelIdx, ...(groupIdx !== undefined ? [groupIdx] : [])]);
  const featureIdx = options.columns ? options.columns.map((c) => need(c, 'feature')) : header.map((_, c) => c).filter((c) => !skip.has(c));
  for (const c of featureIdx)
    if (skip.has(c))
      throw new DflsimInputError(`${where}: columns`, `"${header[c]}" is the label or group column; it cannot also be a feature`);
  if (featureIdx.length === 0) throw new DflsimInputError(`${file}:${hl}`, 'has no feature columns besides the label and group columns');

  const body = rows.slice(1);
  const count = body.length;
  const per = featureIdx.length;
  const x = new Float32Array(count * per);
  const lines = new Int32Array(count);
  const labelText: string[] = new Array<string>(count * labelCols.length);
  const groups = groupIdx !== undefined ? new Array<string>(count) : undefined;
  body.forEach(({ record, info }, i) => {
    const line = info.lines;
    lines[i] = line;
    if (record.length !== header.length)
      throw new DflsimInputError(`${file}:${line}`, `has ${record.length} cells, the header has ${header.length}`);
    for (let k = 0; k < per; k++) {
      const c = featureIdx[k];
      const cell = record[c].trim();
      if (!DECIMAL.test(cell))
        throw new DflsimInputError(
          `${file}:${line}`,
          `column "${header[c]}": ${cell === '' ? 'empty cell' : `"${short(cell)}" is not a number`}`,
        );
      const v = Number(cell);
      if (!Number.isFinite(v))
        throw new DflsimInputError(`${file}:${line}`, `column "${header[c]}": "${short(cell)}" is not a finite number`);
      x[i * per + k] = v;
    }
    labelIdx.forEach((c, j) => {
      const cell = record[c].trim();
      if (cell === '') throw new DflsimInputError(`${file}:${line}`, `column "${header[c]}": empty label`);
      labelText[i * labelCols.length + j] = cell;
    });
    if (groups) {
      const g = record[groupIdx!].trim();
      if (g === '') throw new DflsimInputError(`${file}:${line}`, `column "${header[groupIdx!]}": empty group`);
      groups[i] = g;
    }
  });

  const field = labelCols.join(', ');
  const numeric = labelText.every((t) => DECIMAL.test(t));
  let raw: RawLabels;
  if (!numeric) {
    if (labelCols.length > 1) {
      const bad = labelText.findIndex((t) => !DECIMAL.test(t));
      const i = Math.floor(bad / labelCols.length);
      throw new DflsimInputError(
        `${file}:${lines[i]}`,
        `column "${labelCols[bad % labelCols.length]}": "${short(labelText[bad])}" is not a number (several label columns are regression targets)`,
      );
    }
    raw = { file, field, values: labelText, integer: false, width: 1, lines };
  } else {
    raw = { file, field, values: labelText.map(Number), integer: labelText.every((t) => INTEGER.test(t)), width: labelCols.length, lines };
  }
  const labels = resolveLabels([raw], options.task, `${where}: task`);
  const ds: TensorDataset = {
    name: options.name ?? path.basename(file),
    sampleShape: [per],
    count,
    x,
    labelKind: labels.labelKind,
    y: labels.y[0],
    targets: labels.targets,
  };
  if (labels.classes) ds.classes = labels.classes;
  if (groups) {
    ds.groups = groups;
    ds.groupField = options.group;
  }
  checkTensorDataset(ds);
  return ds;
}

function short(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}...` : s;
}
