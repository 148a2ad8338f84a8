/**
 * A reader for FEMNIST in LEAF's JSON layout (Caldas et al., "LEAF: A Benchmark for
 * Federated Settings", 2018): one or many files, each
 *
 *   {"users": [...], "num_samples": [...], "user_data": {user: {"x": [[784 floats]], "y": [labels]}}}
 *
 * Every writer (LEAF's "user") becomes a {@link CharacterWriter}; the partition
 * `by-writer` then assigns whole writers to silos, as LEAF and the multigraph paper split
 * it. Pixels are floats in [0, 1]; LEAF's images are dark ink on a light background, so by
 * default (`invert: 'auto'`) a file whose mean pixel is above 0.5 is flipped to ink = 1
 * (the synthetic characters' convention). Errors name the file and the field.
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { DflsimInputError } from '../errors.js';
import { parseJsonInput, readInputFile } from '../input-file.js';
import { CHARACTER_CLASSES } from './character-glyphs.js';
import { CHARACTER_SIZE, type CharacterDataset, type CharacterWriter } from './synthetic-characters.js';

/** Options of {@link parseLeafFemnist}. */
export interface LeafOptions {
  /** `auto` (flip when the mean pixel is above 0.5), `yes` or `no`. */
  invert?: 'auto' | 'yes' | 'no';
}

const PIXELS = CHARACTER_SIZE * CHARACTER_SIZE;

function fail(file: string, field: string, msg: string): never {
  throw new DflsimInputError(`${file}: ${field}`, msg);
}

/**
 * Parse one LEAF FEMNIST JSON text into writers.
 * @param file the file's name, for errors
 */
export function parseLeafFemnistText(text: string, file: string): CharacterWriter[] {
  const raw = parseJsonInput(text, file) as unknown;
  if (!raw || typeof raw !== 'object' || Array.isArray(raw))
    fail(file, '(top level)', 'expected an object with "users", "num_samples" and "user_data"');
  const o = raw as Record<string, unknown>;
  const users = o.users;
  if (!Array.isArray(users) || !users.every((u) => typeof u === 'string')) fail(file, 'users', 'expected a list of writer ids (strings)');
  const counts = o.num_samples;
  if (counts !== undefined && (!Array.isArray(counts) || counts.length !== users.length))
    fail(file, 'num_samples', `expected a list of ${users.length} counts, one per user`);
  const data = o.user_data;
  if (!data || typeof data !== 'object' || Array.isArray(data)) fail(file, 'user_data', 'expected an object keyed by user id');
  const ud = data as Record<string, unknown>;
  const seen = new Set<string>();
  return (users as string[]).map((u, ui) => {
    if (seen.has(u)) fail(file, `users[${ui}]`, `writer "${u}" is listed twice`);
    seen.add(u);
    const entry = ud[u];
    const where = `user_data["${u}"]`;
    if (!entry || typeof entry !== 'object') fail(file, where, `missing: "${u}" is in "users" but has no data`);
    const { x, y } = entry as { x?: unknown; y?: unknown };
    if (!Array.isArray(x)) fail(file, `${where}.x`, 'expected a list of images (each a list of 784 numbers)');
    if (!Array.isArray(y)) fail(file, `${where}.y`, 'expected a list of labels');
    if (x.length !== y.length) fail(file, `${where}.y`, `has ${y.length} labels for ${x.length} images`);
    if (Array.isArray(counts) && counts[ui] !== x.length)
      fail(file, `num_samples[${ui}]`, `says ${String(counts[ui])} samples but user_data["${u}"] has ${x.length}`);
    const px = new Float32Array(x.length * PIXELS);
    const labels = new Int32Array(y.length);
    x.forEach((img, i) => {
      if (!Array.isArray(img) || img.length !== PIXELS)
        fail(file, `${where}.x[${i}]`, `expected ${PIXELS} pixels (28x28), got ${Array.isArray(img) ? img.length : typeof img}`);
      for (let p = 0; p < PIXELS; p++) {
        const v = img[p];
        if (typeof v !== 'number' || !(v >= 0 && v <= 1))
          fail(file, `${where}.x[${i}][${p}]`, `expected a pixel in [0, 1], got ${JSON.stringify(v)}`);
        px[i * PIXELS + p] = v;
      }
      const l = y[i];
      if (!Number.isInteger(l) || l < 0 || l >= CHARACTER_CLASSES.length)
        fail(file, `${where}.y[${i}]`, `expected a class label 0..${CHARACTER_CLASSES.length - 1}, got ${JSON.stringify(l)}`);
      labels[i] = l as number;
    });
    return { id: u, x: px, y: labels, count: x.length };
  });
}

/**
 * FEMNIST from LEAF JSON texts (one per file), writers in file order.
 * @param files `[name, text]` pairs
 */
export function parseLeafFemnist(files: readonly (readonly [string, string])[], opts: LeafOptions = {}): CharacterDataset {
  const writers: CharacterWriter[] = [];
  const ids = new Map<string, string>();
  for (const [file, text] of files) {
    const ws = parseLeafFemnistText(text, file);
    for (const w of ws) {
      const other = ids.get(w.id);
      if (other !== undefined) fail(file, 'users', `writer "${w.id}" also appears in ${other}`);
      ids.set(w.id, file);
    }
    const invert = opts.invert ?? 'auto';
    let flip = invert === 'yes';
    if (invert === 'auto') {
      let sum = 0,
        count = 0;
      for (const w of ws) {
        for (let i = 0; i < w.x.length; i++) sum += w.x[i];
        count += w.x.length;
      }
      flip = count > 0 && sum / count > 0.5;
    }
    if (flip) for (const w of ws) for (let i = 0; i < w.x.length; i++) w.x[i] = 1 - w.x[i];
    writers.push(...ws);
  }
  if (!writers.length) fail(files[0]?.[0] ?? 'femnist', 'users', 'no writers in the files');
  return { name: 'femnist', height: CHARACTER_SIZE, width: CHARACTER_SIZE, classes: CHARACTER_CLASSES, writers };
}

/**
 * The LEAF JSON files of a `files` entry: a folder (its `*.json` files, sorted by name), a
 * file, or a list of either. Relative paths resolve against `baseDir`.
 * @param files a folder or file path, or a list of them
 * @param baseDir folder relative paths resolve against (the config file's)
 * @param where the config field, for errors (e.g. `experiment.json: dataset.files`)
 * @throws DflsimInputError naming the field and the path: missing, a folder without JSON files,
 *   a file that is neither a file nor a folder
 */
export function leafFemnistFiles(files: string | readonly string[], baseDir: string, where: string): string[] {
  const list = typeof files === 'string' ? [files] : files;
  if (!list.length) throw new DflsimInputError(where, 'expected a folder or file path, or a list of them');
  const out: string[] = [];
  list.forEach((p, i) => {
    const field = typeof files === 'string' ? where : `${where}[${i}]`;
    if (typeof p !== 'string' || p === '') throw new DflsimInputError(field, 'expected a folder or file path');
    const abs = path.resolve(baseDir, p);
    let st;
    try {
      st = statSync(abs);
    } catch {
      throw new DflsimInputError(field, `not found: ${abs}`);
    }
    if (st.isDirectory()) {
      const json = readdirSync(abs)
        .filter((f) => f.toLowerCase().endsWith('.json'))
        .sort();
      if (!json.length)
        throw new DflsimInputError(field, `folder ${abs} has no .json files (expected LEAF's all_data_*.json or train/test files)`);
      out.push(...json.map((f) => path.join(abs, f)));
    } else if (st.isFile()) out.push(abs);
    else throw new DflsimInputError(field, `${abs} is neither a file nor a folder`);
  });
  const seen = new Set<string>();
  return out.filter((f) => (seen.has(f) ? false : (seen.add(f), true)));
}

/**
 * Read FEMNIST from LEAF JSON files on disk (see {@link leafFemnistFiles} for `files`).
 * Errors in a file name the file and its field.
 * @param files a folder or file path, or a list of them
 * @param baseDir folder relative paths resolve against
 * @param where the config field, for errors about the paths
 */
export function readLeafFemnist(
  files: string | readonly string[],
  baseDir: string,
  where: string,
  opts: LeafOptions = {},
): CharacterDataset {
  const paths = leafFemnistFiles(files, baseDir, where);
  return parseLeafFemnist(
    paths.map((f) => [f, readInputFile(f, 'LEAF FEMNIST file')] as const),
    opts,
  );
}
