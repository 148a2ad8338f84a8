/**
 * A folder of images as a {@link TensorDataset}, in one of two layouts:
 *
 * ```
 * dir/                         dir/
 *   cat/  a.png b.jpg ...        labels.csv    file,label[,group]
 *   dog/  c.png ...              img/001.png ...
 * ```
 *
 * - one subfolder per class (the class is the folder's name; classes sorted by name); or
 * - a CSV (`labels`) with a `file` and a `label` column (and optionally a group column):
 *   numeric labels are regression targets unless `task` is `class`, text labels are classes.
 *
 * Images (PNG, JPEG) are decoded with `sharp` (loaded on first use; the decoder is
 * pluggable), any alpha flattened on black, converted to grayscale (`channels: 1`) or sRGB
 * (`channels: 3`), resized to cover `height x width` (the shorter side scaled to fit,
 * aspect ratio kept) and centre-cropped, as the DroNet reader does; pixels are scaled to
 * [0, 1]. A sample is `[height, width, channels]`, row-major (NHWC).
 *
 * Paths are input from a stranger: a CSV's paths must be relative and stay inside the
 * folder, and no image (in either layout) may be a symbolic link that leads out of it.
 * The image count and the pixels held are bounded before anything is decoded.
 */
import { lstat, readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { decodeImage, forEachLimited, MAX_INPUT_PIXELS } from './image-decode.js';
import { DflsimInputError } from '../errors.js';
import { DEFAULT_MAX_DATASET_BYTES, checkTensorDataset, resolveLabels, type TensorDataset } from './tensor-dataset.js';

/**
 * Decodes one image to `height * width * channels` values in [0, 255] (row-major, channels
 * last), resized to cover and centre-cropped. Throws on a file that is not an image.
 */
export type ImageDecoder = (file: string, height: number, width: number, channels: 1 | 3) => Promise<ArrayLike<number>>;

/** Options of {@link readImageFolder}. */
export interface ImageFolderOptions {
  /** Side of square images in pixels (or give `height` and `width`). */
  size?: number;
  /** Image height in pixels. */
  height?: number;
  /** Image width in pixels. */
  width?: number;
  /** 1 (grayscale) or 3 (RGB). */
  channels: 1 | 3;
  /** A CSV inside the folder with `file` and `label` columns (default: class subfolders). */
  labels?: string;
  /** The CSV's column of image paths (default `file`). */
  fileColumn?: string;
  /** The CSV's column of labels (default `label`). */
  labelColumn?: string;
  /** The CSV's column of a natural-silo key per image. */
  group?: string;
  /** `class` or `value`; default: text labels and class folders are classes, numbers are regression targets. */
  task?: 'class' | 'value';
  /** Refuse more images (default 1 000 000). */
  maxImages?: number;
  /** Refuse a dataset whose pixels take more bytes as `Float32` (default 2 GiB). */
  maxBytes?: number;
  /** Image decoder (default `sharpImageDecoder`: sharp, PNG and JPEG). */
  decode?: ImageDecoder;
  /** Images decoded at once (default 8). */
  concurrency?: number;
  /** Dataset name (default: the folder's name). */
  name?: string;
  /** Prefix of option errors (default `dataset`), e.g. `exp.json: dataset`. */
  where?: string;
}

/** File extensions read as images (lower case). */
export const IMAGE_FILE_EXTENSIONS: readonly string[] = ['.png', '.jpg', '.jpeg'];

/** Default bound on the number of images. */
export const DEFAULT_MAX_IMAGES = 1_000_000;

/** Largest image side accepted (pixels). */
export const MAX_IMAGE_SIDE = 4096;

export { MAX_INPUT_PIXELS } from './image-decode.js';

const isImage = (name: string): boolean => IMAGE_FILE_EXTENSIONS.includes(path.extname(name).toLowerCase());

/**
 * Read an image folder into memory.
 * @param dir the folder
 * @param options size, channels, layout, bounds
 * @throws DflsimInputError naming the file (and line): a missing folder, a class folder
 *   holding a non-image file or a folder, no images, a CSV without its columns, a path
 *   that is absolute or leaves the folder (also through a symbolic link), a missing image,
 *   an image that cannot be decoded, more images or pixels than the bounds
 */
export async function readImageFolder(dir: string, options: ImageFolderOptions): Promise<TensorDataset> {
  const where = options.where ?? 'dataset';
  const height = options.height ?? options.size;
  const width = options.width ?? options.size;
  for (const [field, v] of [
    ['height', height],
    ['width', width],
  ] as const)
    if (!Number.isInteger(v) || v! < 1 || v! > MAX_IMAGE_SIDE)
      throw new DflsimInputError(
        `${where}: ${options.size !== undefined ? 'size' : field}`,
        `must be an integer in 1..${MAX_IMAGE_SIDE}, got ${v}`,
      );
  const { channels } = options;
  if (channels !== 1 && channels !== 3) throw new DflsimInputError(`${where}: channels`, `must be 1 or 3, got ${String(channels)}`);
  let rootStat;
  try {
    rootStat = await stat(dir);
  } catch {
    throw new DflsimInputError(dir, 'image folder not found');
  }
  if (!rootStat.isDirectory()) throw new DflsimInputError(dir, 'is not a folder');
  const root = await realpath(dir);

  const plan = options.labels !== undefined ? await planFromCsv(dir, root, options) : await planFromFolders(dir, root);
  const count = plan.files.length;
  if (count === 0) throw new DflsimInputError(dir, 'has no images (.png, .jpg, .jpeg)');
  const maxImages = options.maxImages ?? DEFAULT_MAX_IMAGES;
  if (count > maxImages) throw new DflsimInputError(dir, `has ${count} images, more than the ${maxImages} read`);
  const per = height! * width! * channels;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_DATASET_BYTES;
  if (count * per * 4 > maxBytes)
    throw new DflsimInputError(
      dir,
      `${count} images of ${height}x${width}x${channels} take ${((count * per * 4) / 1024 ** 2).toFixed(0)} MiB, more than the ${(maxBytes / 1024 ** 2).toFixed(0)} MiB bound: use fewer or smaller images`,
    );

  const labels = resolveLabels([plan.labels], plan.task ?? options.task, `${where}: task`);
  const decode = options.decode ?? sharpImageDecoder;
  const x = new Float32Array(count * per);
  await forEachLimited(plan.files, options.concurrency ?? 8, async (file, i) => {
    let pixels: ArrayLike<number>;
    try {
      pixels = await decode(file, height!, width!, channels);
    } catch (e) {
      if (e instanceof DflsimInputError) throw e;
      throw new DflsimInputError(file, `cannot decode image: ${(e as Error)?.message ?? String(e)}`);
    }
    if (pixels.length !== per)
      throw new DflsimInputError(file, `decoder returned ${pixels.length} values, expected ${height}x${width}x${channels} = ${per}`);
    for (let k = 0; k < per; k++) x[i * per + k] = pixels[k] / 255;
  });
  const ds: TensorDataset = {
    name: options.name ?? path.basename(path.resolve(dir)),
    sampleShape: [height!, width!, channels],
    count,
    x,
    labelKind: labels.labelKind,
    y: labels.y[0],
    targets: labels.targets,
  };
  if (labels.classes) ds.classes = labels.classes;
  if (plan.groups) {
    ds.groups = plan.groups;
    ds.groupField = options.group;
  }
  checkTensorDataset(ds);
  return ds;
}

interface Plan {
  files: string[];
  labels: Parameters<typeof resolveLabels>[0][number];
  /** Forced task (class folders are classes). */
  task?: 'class';
  groups?: string[];
}

async function planFromFolders(dir: string, root: string): Promise<Plan> {
  // links are followed to see what they are, and must stay inside the folder
  const entries: { name: string; dir: boolean }[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.name.startsWith('.')) continue;
    let isDir = e.isDirectory();
    if (e.isSymbolicLink()) {
      const real = await realpath(path.join(dir, e.name)).catch(() => undefined);
      if (real === undefined) continue; // a dangling link: nothing to read
      isDir = (await stat(real)).isDirectory();
      if (isDir) await checkInside(path.join(dir, e.name), root, path.join(dir, e.name), true);
    }
    entries.push({ name: e.name, dir: isDir });
  }
  const strayImage = entries.find((e) => !e.dir && isImage(e.name));
  if (strayImage)
    throw new DflsimInputError(
      path.join(dir, strayImage.name),
      'is an image outside the class folders: put each image in its class\'s folder, or give a labels CSV ("labels")',
    );
  const classes = entries
    .filter((e) => e.dir)
    .map((e) => e.name)
    .sort(byCodeUnit);
  if (classes.length === 0)
    throw new DflsimInputError(dir, 'has no class folders (one subfolder of images per class) and no labels CSV was given');
  const files: string[] = [];
  const names: string[] = [];
  for (const c of classes) {
    const cdir = path.join(dir, c);
    const inside = (await readdir(cdir, { withFileTypes: true }))
      .filter((e) => !e.name.startsWith('.'))
      .sort((a, b) => byCodeUnit(a.name, b.name));
    for (const e of inside) {
      const f = path.join(cdir, e.name);
      if (e.isDirectory()) throw new DflsimInputError(f, `is a folder inside class folder "${c}"; class folders hold images only`);
      if (!isImage(e.name))
        throw new DflsimInputError(
          f,
          `is not an image (.png, .jpg, .jpeg); class folder "${c}" may hold images only (move it out, or start its name with ".")`,
        );
      await checkInside(f, root, f);
      files.push(f);
      names.push(c);
    }
  }
  return { files, labels: { file: dir, field: 'class folder', values: names, integer: false, width: 1 }, task: 'class' };
}

async function planFromCsv(dir: string, root: string, options: ImageFolderOptions): Promise<Plan> {
  const csvRel = options.labels!;
  const where = options.where ?? 'dataset';
  const csvFile = resolveInside(dir, csvRel, `${where}: labels`);
  await checkInside(csvFile, root, `${where}: labels`);
  let text: string;
  try {
    const st = await stat(csvFile);
    if (!st.isFile()) throw new Error('not a regular file');
    if (st.size > 256 * 1024 ** 2) throw new DflsimInputError(csvFile, 'is larger than 256 MiB');
    text = await readFile(csvFile, 'utf8');
  } catch (e) {
    if (e instanceof DflsimInputError) throw e;
    throw new DflsimInputError(`${where}: labels`, `cannot read ${csvFile}: ${(e as Error).message}`);
  }
  let rows: { record: string[]; info: { lines: number } }[];
  try {
    rows = parse(text, { info: true, bom: true, relax_column_count: true, skip_empty_lines: true }) as unknown as typeof rows;
  } catch (e) {
    const err = e as { message?: string; lines?: number };
    throw new DflsimInputError(`${csvFile}:${err.lines ?? 1}`, `not valid CSV: ${err.message ?? String(e)}`);
  }
  if (rows.length === 0) throw new DflsimInputError(`${csvFile}:1`, 'empty: expected a header row (file,label), then one row per image');
  const maxImages = options.maxImages ?? DEFAULT_MAX_IMAGES;
  if (rows.length - 1 > maxImages) throw new DflsimInputError(csvFile, `lists ${rows.length - 1} images, more than the ${maxImages} read`);
  const header = rows[0].record.map((h) => h.trim());
  const hl = rows[0].info.lines;
  const need = (name: string, what: string): number => {
    const c = header.indexOf(name);
    if (c < 0)
      throw new DflsimInputError(
        `${csvFile}:${hl}`,
        `${what} column "${name}" is not in the header (its columns: ${header.map((h) => `"${h}"`).join(', ')})`,
      );
    return c;
  };
  const fileCol = need(options.fileColumn ?? 'file', 'file');
  const labelCol = need(options.labelColumn ?? 'label', 'label');
  const groupCol = options.group !== undefined ? need(options.group, 'group') : undefined;
  const files: string[] = [];
  const labels: string[] = [];
  const lines: number[] = [];
  const groups: string[] | undefined = groupCol !== undefined ? [] : undefined;
  for (const { record, info } of rows.slice(1)) {
    const at = `${csvFile}:${info.lines}`;
    if (record.length !== header.length) throw new DflsimInputError(at, `has ${record.length} cells, the header has ${header.length}`);
    const rel = record[fileCol].trim();
    if (rel === '') throw new DflsimInputError(at, `column "${header[fileCol]}": empty path`);
    if (!isImage(rel))
      throw new DflsimInputError(at, `column "${header[fileCol]}": "${rel}" is not an image file name (.png, .jpg, .jpeg)`);
    const f = resolveInside(dir, rel, at);
    await checkInside(f, root, at);
    const label = record[labelCol].trim();
    if (label === '') throw new DflsimInputError(at, `column "${header[labelCol]}": empty label`);
    files.push(f);
    labels.push(label);
    lines.push(info.lines);
    if (groups) {
      const g = record[groupCol!].trim();
      if (g === '') throw new DflsimInputError(at, `column "${header[groupCol!]}": empty group`);
      groups.push(g);
    }
  }
  const numeric = labels.every((l) => /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(l));
  const field = header[labelCol];
  const plan: Plan = {
    files,
    // numbers are regression targets unless the task says class: flag them non-integer
    labels: numeric
      ? { file: csvFile, field, values: labels.map(Number), integer: options.task === 'class', width: 1, lines }
      : { file: csvFile, field, values: labels, integer: false, width: 1, lines },
  };
  if (groups) plan.groups = groups;
  return plan;
}

/** `rel` resolved against `dir`, refused when absolute or when it climbs out of `dir`. */
function resolveInside(dir: string, rel: string, where: string): string {
  if (path.isAbsolute(rel) || path.win32.isAbsolute(rel) || rel.includes('\0'))
    throw new DflsimInputError(where, `"${rel}" is an absolute path; paths must be relative to the image folder ${dir}`);
  const full = path.resolve(dir, rel);
  const back = path.relative(path.resolve(dir), full);
  if (back === '' || back.startsWith('..') || path.isAbsolute(back))
    throw new DflsimInputError(where, `"${rel}" leaves the image folder ${dir}; paths must stay inside it`);
  return full;
}

/**
 * Refuse a file that does not exist, is not a regular file (a folder when `folder`), or
 * whose real path (links followed) is outside `root`.
 */
async function checkInside(file: string, root: string, where: string, folder = false): Promise<void> {
  let real: string;
  try {
    await lstat(file);
    real = await realpath(file);
  } catch {
    throw new DflsimInputError(where, `${file} not found`);
  }
  const back = path.relative(root, real);
  if (back.startsWith('..') || path.isAbsolute(back))
    throw new DflsimInputError(where, `${file} leads to ${real}, outside the image folder (a symbolic link); files must stay inside it`);
  const st = await stat(real);
  if (folder ? !st.isDirectory() : !st.isFile())
    throw new DflsimInputError(where, `${file} is not a regular ${folder ? 'folder' : 'file'}`);
}

function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The default {@link ImageDecoder}, with `sharp` (libvips): flatten any alpha on black,
 * grayscale or sRGB, resize to cover `height x width`, centre-crop. Inputs above
 * {@link MAX_INPUT_PIXELS} pixels are refused.
 * @param file image file (PNG or JPEG)
 * @param height output height in pixels
 * @param width output width in pixels
 * @param channels 1 or 3
 */
export function sharpImageDecoder(file: string, height: number, width: number, channels: 1 | 3): Promise<Uint8Array> {
  return decodeImage(file, height, width, channels, 'readImageFolder');
}
