/**
 * Silo profiles: each silo's compute time of one local step and its access-link
 * capacities, for the heterogeneous delay model (`timing/delay-model.ts`):
 *
 *   d(i,j) = u·computeMs(i) + latency(i,j) + max(outdeg(i)·M/up(i), indeg(j)·M/down(j), M/bandwidth(i,j))
 *
 * Three sources, merged per silo and per column (a later source overrides an earlier one;
 * a value no source gives is the workload's default):
 * 1. GML node attributes `computeMs`, `uploadGbps`, `downloadGbps` (`Underlay.siloAttributes`);
 * 2. a CSV file (`silo,computeMs,uploadGbps,downloadGbps`, any subset of the value columns);
 * 3. a seeded generator spec (`{"computeMs": {"lognormal": {"median": 25, "sigma": 0.5}}, ...}`).
 * The CSV file and the generator are alternatives (one `siloProfile`); either overrides GML.
 */
import { parse } from 'csv-parse/sync';
import { findLabel } from './labels.js';
import { DflsimInputError } from '../errors.js';
import { didYouMean } from '../suggest.js';
import { createRng } from '../random.js';
import { gbpsToBitsPerSec } from '../units.js';
import type { Underlay } from './underlay.js';

/** The per-silo values of a profile; an absent value takes the workload's default. */
export interface SiloProfileEntry {
  /** Compute time of one local step (ms). */
  computeMs?: number;
  /** Upload capacity of the silo's access link (Gbit/s). */
  uploadGbps?: number;
  /** Download capacity of the silo's access link (Gbit/s). */
  downloadGbps?: number;
}

/** A silo profile: values by silo name (silos not listed take the defaults). */
export type SiloProfile = Record<string, SiloProfileEntry>;

/** The value columns of a profile. */
export const SILO_PROFILE_FIELDS = ['computeMs', 'uploadGbps', 'downloadGbps'] as const;

/** One of {@link SILO_PROFILE_FIELDS}. */
export type SiloProfileField = (typeof SILO_PROFILE_FIELDS)[number];

function isField(x: string): x is SiloProfileField {
  return (SILO_PROFILE_FIELDS as readonly string[]).includes(x);
}

/**
 * Parse a CSV silo profile. The header names the columns: `silo` (required) and any of
 * `computeMs` (ms per local step), `uploadGbps`, `downloadGbps`, in any order; RFC 4180
 * quoting (a silo name may contain commas). An empty cell takes the default.
 * @param text the file's contents
 * @param file the file name for errors (`file:line:column`, both 1-based; the column is the field's position)
 * @param silos the network's silo names
 * @throws DflsimInputError on an unknown or repeated column, a missing `silo` column, a row
 *   with the wrong number of fields, an unknown or repeated silo, a non-numeric or non-positive value
 */
export function parseSiloProfileCsv(text: string, file: string, silos: readonly string[]): SiloProfile {
  let rows: { record: string[]; info: { lines: number } }[];
  try {
    rows = parse(text.replace(/^\uFEFF/, ''), {
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      trim: true,
    }) as unknown as typeof rows;
  } catch (e) {
    const err = e as { message?: string; lines?: number; column?: number };
    throw new DflsimInputError(`${file}:${err.lines ?? 1}:${(err.column ?? 0) + 1}`, `not valid CSV: ${err.message ?? String(e)}`);
  }
  if (rows.length === 0)
    throw new DflsimInputError(
      `${file}:1:1`,
      'empty silo profile: expected a header "silo,computeMs,uploadGbps,downloadGbps" (any subset of the value columns)',
    );
  const header = rows[0];
  const hl = header.info.lines;
  const columns: (SiloProfileField | 'silo')[] = [];
  header.record.forEach((h, c) => {
    const name = h.trim();
    if (name !== 'silo' && !isField(name)) {
      throw new DflsimInputError(`${file}:${hl}:${c + 1}`, `unknown column "${name}"; expected silo, ${SILO_PROFILE_FIELDS.join(', ')}`);
    }
    if (columns.includes(name)) throw new DflsimInputError(`${file}:${hl}:${c + 1}`, `column "${name}" appears twice`);
    columns.push(name);
  });
  const siloCol = columns.indexOf('silo');
  if (siloCol < 0) throw new DflsimInputError(`${file}:${hl}:1`, 'the header has no "silo" column');
  const known = new Set(silos);
  const seen = new Map<string, number>();
  const profile: SiloProfile = {};
  for (const { record, info } of rows.slice(1)) {
    const line = info.lines;
    if (record.length !== columns.length) {
      throw new DflsimInputError(
        `${file}:${line}:${Math.min(record.length, columns.length) + 1}`,
        `expected ${columns.length} fields (${columns.join(',')}), found ${record.length}`,
      );
    }
    // a silo by its raw label or as it is shown (`New York, NY` for `New+York,+NY`)
    const written = record[siloCol];
    const shownAs = known.has(written) ? -1 : findLabel(silos, written);
    const silo = shownAs >= 0 ? silos[shownAs] : written;
    if (!known.has(silo)) {
      const hint = silos.slice(0, 5).join(', ') + (silos.length > 5 ? ', ...' : '');
      throw new DflsimInputError(
        `${file}:${line}:${siloCol + 1}`,
        `unknown silo "${silo}"${didYouMean(silo, silos)}; the network's silos are ${hint}`,
      );
    }
    if (seen.has(silo))
      throw new DflsimInputError(`${file}:${line}:${siloCol + 1}`, `silo "${silo}" is listed twice (first on line ${seen.get(silo)})`);
    seen.set(silo, line);
    const entry: SiloProfileEntry = {};
    record.forEach((cell, c) => {
      const col = columns[c];
      if (col === 'silo' || cell === '') return;
      const v = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(cell) ? Number(cell) : NaN;
      if (!Number.isFinite(v))
        throw new DflsimInputError(`${file}:${line}:${c + 1}`, `${col} of silo "${silo}" is not a number: "${cell}"`);
      if (!(v > 0)) throw new DflsimInputError(`${file}:${line}:${c + 1}`, `${col} of silo "${silo}" must be positive, got ${cell}`);
      entry[col] = v;
    });
    profile[silo] = entry;
  }
  return profile;
}

/** A generator for one column: a constant, or a distribution drawn once per silo. */
export type SiloFieldGenerator =
  | number
  | { lognormal: { median: number; sigma: number } }
  | { uniform: { min: number; max: number } }
  | { choice: { values: number[]; weights?: number[] } };

/** A seeded silo-profile generator (config `siloProfile` as an object). */
export interface SiloProfileSpec {
  computeMs?: SiloFieldGenerator;
  uploadGbps?: SiloFieldGenerator;
  downloadGbps?: SiloFieldGenerator;
  /** Seed of the draws (default: the caller's seed). */
  seed?: number;
}

type Draw = (u: () => number, normal: () => number) => number;

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function positive(x: unknown, where: string, what = 'a positive number'): number {
  if (typeof x !== 'number' || !Number.isFinite(x) || !(x > 0))
    throw new DflsimInputError(where, `expected ${what}, got ${JSON.stringify(x)}`);
  return x;
}

function onlyKeys(o: Record<string, unknown>, keys: readonly string[], where: string): void {
  for (const k of Object.keys(o))
    if (!keys.includes(k)) throw new DflsimInputError(`${where}.${k}`, `unknown field; expected ${keys.join(', ')}`);
}

/** Validate one column's generator and return its draw. */
function fieldDraw(g: unknown, where: string): Draw {
  if (typeof g === 'number') {
    const c = positive(g, where);
    return () => c;
  }
  if (!isObject(g))
    throw new DflsimInputError(
      where,
      `expected a positive number or one of {lognormal: {median, sigma}}, {uniform: {min, max}}, {choice: {values, weights}}, got ${JSON.stringify(g)}`,
    );
  const kinds = Object.keys(g);
  if (kinds.length !== 1)
    throw new DflsimInputError(
      where,
      `expected exactly one of lognormal, uniform, choice, got ${kinds.length ? kinds.join(', ') : 'none'}`,
    );
  const kind = kinds[0];
  const p = g[kind];
  const w = `${where}.${kind}`;
  if (!isObject(p)) throw new DflsimInputError(w, `expected an object, got ${JSON.stringify(p)}`);
  if (kind === 'lognormal') {
    onlyKeys(p, ['median', 'sigma'], w);
    const median = positive(p.median, `${w}.median`);
    if (typeof p.sigma !== 'number' || !Number.isFinite(p.sigma) || p.sigma < 0)
      throw new DflsimInputError(`${w}.sigma`, `expected a non-negative number, got ${JSON.stringify(p.sigma)}`);
    const sigma = p.sigma;
    return (_u, normal) => median * Math.exp(sigma * normal());
  }
  if (kind === 'uniform') {
    onlyKeys(p, ['min', 'max'], w);
    const min = positive(p.min, `${w}.min`);
    const max = positive(p.max, `${w}.max`);
    if (max < min) throw new DflsimInputError(`${w}.max`, `max ${max} is below min ${min}`);
    return (u) => min + (max - min) * u();
  }
  if (kind === 'choice') {
    onlyKeys(p, ['values', 'weights'], w);
    if (!Array.isArray(p.values) || p.values.length === 0)
      throw new DflsimInputError(`${w}.values`, `expected a non-empty list of positive numbers, got ${JSON.stringify(p.values)}`);
    const values = p.values.map((v, i) => positive(v, `${w}.values[${i}]`));
    let weights = values.map(() => 1);
    if (p.weights !== undefined) {
      if (!Array.isArray(p.weights) || p.weights.length !== values.length)
        throw new DflsimInputError(`${w}.weights`, `expected ${values.length} weights (one per value), got ${JSON.stringify(p.weights)}`);
      weights = p.weights.map((x, i) => {
        if (typeof x !== 'number' || !Number.isFinite(x) || x < 0)
          throw new DflsimInputError(`${w}.weights[${i}]`, `expected a non-negative number, got ${JSON.stringify(x)}`);
        return x;
      });
    }
    const total = weights.reduce((a, b) => a + b, 0);
    if (!(total > 0)) throw new DflsimInputError(`${w}.weights`, 'the weights sum to 0');
    return (u) => {
      let r = u() * total;
      for (let i = 0; i < values.length; i++) {
        r -= weights[i];
        if (r < 0) return values[i];
      }
      return values[values.length - 1];
    };
  }
  throw new DflsimInputError(where, `unknown generator "${kind}"; expected lognormal, uniform or choice`);
}

/**
 * Validate a generator spec without drawing (every error names its field path).
 * @param where the spec's field path, e.g. `siloProfile`
 */
export function validateSiloProfileSpec(spec: unknown, where = 'siloProfile'): SiloProfileSpec {
  if (!isObject(spec))
    throw new DflsimInputError(where, `expected an object (a generator spec) or a CSV file path, got ${JSON.stringify(spec)}`);
  onlyKeys(spec, [...SILO_PROFILE_FIELDS, 'seed'], where);
  if (spec.seed !== undefined && (typeof spec.seed !== 'number' || !Number.isSafeInteger(spec.seed)))
    throw new DflsimInputError(`${where}.seed`, `expected an integer, got ${JSON.stringify(spec.seed)}`);
  for (const f of SILO_PROFILE_FIELDS) if (spec[f] !== undefined) fieldDraw(spec[f], `${where}.${f}`);
  return spec as SiloProfileSpec;
}

/**
 * Draw a silo profile from a generator spec. Silo s's value of field f comes from the
 * stream `createRng(seed).fork(f).fork(s)` (s the silo's NAME), so it depends neither on
 * the silos' order nor on which other silos or fields there are.
 * @param spec the generator (validated here; errors name `where.field...`)
 * @param silos the network's silo names
 * @param seed the seed, unless the spec has its own `seed`
 * @param where the spec's field path for errors (default `siloProfile`)
 */
export function generateSiloProfile(spec: unknown, silos: readonly string[], seed: number, where = 'siloProfile'): SiloProfile {
  const s = validateSiloProfileSpec(spec, where);
  const root = createRng(s.seed ?? seed);
  const profile: SiloProfile = {};
  for (const name of silos) profile[name] = {};
  for (const f of SILO_PROFILE_FIELDS) {
    if (s[f] === undefined) continue;
    const draw = fieldDraw(s[f], `${where}.${f}`);
    const stream = root.fork(f);
    for (const name of silos) {
      const rng = stream.fork(name);
      profile[name][f] = draw(
        () => rng.next(),
        () => rng.normal(),
      );
    }
  }
  return profile;
}

/** The profile formed by an underlay's GML node attributes (empty when it has none). */
export function profileFromUnderlay(u: Underlay): SiloProfile {
  const profile: SiloProfile = {};
  if (!u.siloAttributes) return profile;
  u.silos.forEach((name, i) => {
    const a = u.siloAttributes![i];
    if (a && Object.keys(a).length > 0) profile[name] = { ...a };
  });
  return profile;
}

/** The workload's defaults a profile falls back to. */
export interface SiloDefaults {
  /** Compute time of one local step (ms). */
  computeStepMs: number;
  /** Upload capacity (bit/s). */
  uploadBitsPerSec: number;
  /** Download capacity (bit/s). */
  downloadBitsPerSec: number;
}

/** Per-silo arrays of a resolved profile (one entry per silo index), as the delay model reads them. */
export interface ResolvedSiloProfile {
  /** Compute time of one local step at each silo (ms). */
  computeStepMs: Float64Array;
  /** Upload capacity of each silo (bit/s). */
  uploadBitsPerSec: Float64Array;
  /** Download capacity of each silo (bit/s). */
  downloadBitsPerSec: Float64Array;
}

/**
 * Merge profile sources into per-silo arrays: for each silo and column the last source
 * that gives a value wins; otherwise the default.
 * @param silos the network's silo names (the arrays' order)
 * @param defaults the workload's values
 * @param sources profiles, lowest priority first (GML attributes, then the CSV or the generator)
 * @returns undefined when there is no source at all (the papers' uniform model)
 */
export function resolveSiloTimes(
  silos: readonly string[],
  defaults: SiloDefaults,
  sources: ReadonlyArray<SiloProfile | undefined>,
): ResolvedSiloProfile | undefined {
  const given = sources.filter((s): s is SiloProfile => s !== undefined);
  if (given.length === 0) return undefined;
  const n = silos.length;
  const out: ResolvedSiloProfile = {
    computeStepMs: new Float64Array(n).fill(defaults.computeStepMs),
    uploadBitsPerSec: new Float64Array(n).fill(defaults.uploadBitsPerSec),
    downloadBitsPerSec: new Float64Array(n).fill(defaults.downloadBitsPerSec),
  };
  silos.forEach((name, i) => {
    for (const src of given) {
      const e = Object.prototype.hasOwnProperty.call(src, name) ? src[name] : undefined;
      if (!e) continue;
      if (e.computeMs !== undefined) out.computeStepMs[i] = e.computeMs;
      if (e.uploadGbps !== undefined) out.uploadBitsPerSec[i] = gbpsToBitsPerSec(e.uploadGbps);
      if (e.downloadGbps !== undefined) out.downloadBitsPerSec[i] = gbpsToBitsPerSec(e.downloadGbps);
    }
  });
  return out;
}

/** Minimum, median and maximum of a column. */
export interface ColumnSummary {
  min: number;
  median: number;
  max: number;
}

/** What the cycle-time JSON says about a profile. */
export interface ProfileSummary {
  silos: number;
  /** Compute time of one local step (ms). */
  computeMs: ColumnSummary;
  uploadGbps: ColumnSummary;
  downloadGbps: ColumnSummary;
  /** The silos of largest compute time, slowest first. */
  slowestCompute: { silo: string; computeMs: number }[];
  /** The silos of smallest upload capacity, slowest first. */
  slowestUpload: { silo: string; uploadGbps: number }[];
  /** The silos of smallest download capacity, slowest first. */
  slowestDownload: { silo: string; downloadGbps: number }[];
}

function summarise(xs: ArrayLike<number>): ColumnSummary {
  const s = Array.from(xs).sort((a, b) => a - b);
  const m = s.length;
  const median = m === 0 ? NaN : m % 2 ? s[(m - 1) / 2] : (s[m / 2 - 1] + s[m / 2]) / 2;
  return { min: s[0] ?? NaN, median, max: s[m - 1] ?? NaN };
}

/**
 * A summary of a resolved profile: min / median / max of each column and the slowest silos.
 * @param top how many slowest silos to list per column (default 3)
 */
export function profileSummary(silos: readonly string[], p: ResolvedSiloProfile, top = 3): ProfileSummary {
  const idx = silos.map((_, i) => i);
  const pick = (key: (i: number) => number, desc: boolean): number[] =>
    idx
      .slice()
      .sort((a, b) => (desc ? key(b) - key(a) : key(a) - key(b)) || a - b)
      .slice(0, top);
  const up = Array.from(p.uploadBitsPerSec, (x) => x / 1e9);
  const down = Array.from(p.downloadBitsPerSec, (x) => x / 1e9);
  return {
    silos: silos.length,
    computeMs: summarise(p.computeStepMs),
    uploadGbps: summarise(up),
    downloadGbps: summarise(down),
    slowestCompute: pick((i) => p.computeStepMs[i], true).map((i) => ({ silo: silos[i], computeMs: p.computeStepMs[i] })),
    slowestUpload: pick((i) => up[i], false).map((i) => ({ silo: silos[i], uploadGbps: up[i] })),
    slowestDownload: pick((i) => down[i], false).map((i) => ({ silo: silos[i], downloadGbps: down[i] })),
  };
}
