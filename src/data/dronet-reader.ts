/**
 * Reader of driving datasets in the DroNet layout (Loquercio et al., "DroNet: Learning
 * to Fly by Driving", IEEE RA-L 2018), the layout of the Udacity, Gazebo and Carla sets
 * of FADNet (Nguyen et al., IEEE IV 2022):
 *
 * ```
 * root/
 *   <sequence>/
 *     images/            frames (.jpg, .jpeg, .png), ordered by the frame number in the name
 *     sync_steering.txt  a header line, then one row per frame; first column = steering
 * ```
 *
 * Frames are converted to grayscale, resized so that the shorter side is `size` and
 * centre-cropped to `size x size` (by default with `sharp`, loaded on first use; the
 * decoder is pluggable). Pixels stay raw in [0, 255]. Each sequence's condition is its
 * folder name.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { decodeImage, forEachLimited } from './image-decode.js';
import { DflsimInputError } from '../errors.js';
import type { DrivingDataset, Sequence } from './dataset.js';

/**
 * Decodes one image file to `size * size` grayscale pixels in [0, 255] (row-major),
 * resized so the shorter side is `size` and centre-cropped. Throws on a corrupt file.
 */
export type FrameDecoder = (file: string, size: number) => Promise<ArrayLike<number>>;

/** Options of {@link readDronetDataset}. */
export interface DronetReadOptions {
  /** Side of the square frames in pixels (200 in the papers; e.g. 64 for quick runs). */
  size: number;
  /** Keep only the first frames of each sequence (and their steering rows). */
  maxFramesPerSequence?: number;
  /** Image decoder (default: {@link sharpDecoder}). */
  decode?: FrameDecoder;
  /** Images decoded at once (default 8). */
  concurrency?: number;
  /** Dataset name (default: the root folder's name). */
  name?: string;
}

/** File extensions read as frames (lower case). */
export const IMAGE_EXTENSIONS: readonly string[] = ['.jpg', '.jpeg', '.png'];

/** The steering file of a sequence folder. */
export const STEERING_FILE = 'sync_steering.txt';

/**
 * Read a DroNet-layout dataset into memory.
 * @param root folder holding the sequence folders
 * @param options frame size, frame cap, decoder
 * @throws DflsimInputError naming the folder or file: a missing root, a folder without
 *   `images/`, a missing `sync_steering.txt`, a count mismatch between images and steering rows, a
 *   non-numeric steering value (file and line), an image that cannot be decoded
 */
export async function readDronetDataset(root: string, options: DronetReadOptions): Promise<DrivingDataset> {
  const { size } = options;
  if (!Number.isInteger(size) || size < 1) throw new DflsimInputError('dronet.size', `must be a positive integer, got ${size}`);
  const cap = options.maxFramesPerSequence;
  if (cap !== undefined && (!Number.isInteger(cap) || cap < 1)) {
    throw new DflsimInputError('dronet.maxFramesPerSequence', `must be a positive integer, got ${cap}`);
  }
  const concurrency = options.concurrency ?? 8;
  await requireDirectory(root, 'dataset folder');
  const entries = await readdir(root, { withFileTypes: true });
  const folders = entries
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort(compareNatural);
  // Every (non-hidden) folder is a sequence with an images/ folder; check every folder's
  // files before decoding anything.
  const plans: { id: string; images: string[]; steering: Float32Array }[] = [];
  for (const name of folders) {
    const dir = path.join(root, name);
    const imagesDir = path.join(dir, 'images');
    if (!(await isDirectory(imagesDir))) {
      throw new DflsimInputError(
        dir,
        `is not a sequence folder: it has no images/ folder (every folder in ${root} must be a sequence with images/ and ${STEERING_FILE}; move other folders out or start their name with ".")`,
      );
    }
    const steeringFile = path.join(dir, STEERING_FILE);
    let text: string;
    try {
      text = await readFile(steeringFile, 'utf8');
    } catch {
      throw new DflsimInputError(steeringFile, `missing: sequence folder ${name} has images/ but no ${STEERING_FILE}`);
    }
    const steering = parseSteering(text, steeringFile);
    const images = (await readdir(imagesDir, { withFileTypes: true }))
      .filter((e) => e.isFile() && IMAGE_EXTENSIONS.includes(path.extname(e.name).toLowerCase()))
      .map((e) => e.name)
      .sort(compareFrameNames);
    if (images.length === 0) throw new DflsimInputError(imagesDir, 'has no images (.jpg, .jpeg, .png)');
    if (images.length !== steering.length) {
      throw new DflsimInputError(steeringFile, `has ${steering.length} steering rows but ${imagesDir} has ${images.length} images`);
    }
    const keep = cap === undefined ? images.length : Math.min(cap, images.length);
    plans.push({ id: name, images: images.slice(0, keep).map((f) => path.join(imagesDir, f)), steering: steering.slice(0, keep) });
  }
  if (plans.length === 0) {
    throw new DflsimInputError(root, 'no sequence folders (folders with an images/ subfolder) found');
  }
  const decode = options.decode ?? sharpDecoder;
  const len = size * size;
  const sequences: Sequence[] = [];
  for (const plan of plans) {
    const x = new Float32Array(plan.images.length * len);
    await forEachLimited(plan.images, concurrency, async (file, i) => {
      let pixels: ArrayLike<number>;
      try {
        pixels = await decode(file, size);
      } catch (e) {
        if (e instanceof DflsimInputError) throw e;
        throw new DflsimInputError(file, `cannot decode image: ${(e as Error)?.message ?? String(e)}`);
      }
      if (pixels.length !== len) {
        throw new DflsimInputError(file, `decoder returned ${pixels.length} pixels, expected ${size}x${size} = ${len}`);
      }
      for (let k = 0; k < len; k++) x[i * len + k] = pixels[k];
    });
    sequences.push({ id: plan.id, condition: plan.id, x, y: plan.steering, frames: plan.images.length });
  }
  return { name: options.name ?? path.basename(path.resolve(root)), height: size, width: size, channels: 1, sequences };
}

/**
 * Parse a `sync_steering.txt`: skip the header line, then take the first column
 * (comma- or whitespace-separated) of every non-empty line.
 * @param text file contents
 * @param file file name for error messages
 */
export function parseSteering(text: string, file: string): Float32Array {
  const lines = text.split(/\r?\n/);
  const values: number[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    const tok = line.split(/[,\s]+/)[0];
    const v = Number(tok);
    if (tok === '' || !Number.isFinite(v)) {
      throw new DflsimInputError(`${file}: line ${i + 1}`, `steering value "${tok}" is not a number`);
    }
    values.push(v);
  }
  return Float32Array.from(values);
}

/**
 * The default {@link FrameDecoder}, with `sharp` (libvips): flatten any alpha on black,
 * grayscale, resize to cover `size x size` (shorter side = `size`), centre-crop.
 * @param file image file (JPEG or PNG)
 * @param size output side in pixels
 */
export function sharpDecoder(file: string, size: number): Promise<Uint8Array> {
  return decodeImage(file, size, size, 1, 'readDronetDataset');
}

/** Order frame files by the first number in their names (DroNet's order), then by name. */
export function compareFrameNames(a: string, b: string): number {
  const na = /\d+/.exec(a)?.[0],
    nb = /\d+/.exec(b)?.[0];
  if (na !== undefined && nb !== undefined) {
    const c = compareDigits(na, nb);
    if (c !== 0) return c;
  } else if (na !== undefined) return -1;
  else if (nb !== undefined) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Compare decimal digit strings of any length numerically. */
function compareDigits(a: string, b: string): number {
  const x = a.replace(/^0+(?=\d)/, ''),
    y = b.replace(/^0+(?=\d)/, '');
  if (x.length !== y.length) return x.length - y.length;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Natural order of folder names (`seq2` before `seq10`). */
function compareNatural(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

async function requireDirectory(p: string, what: string): Promise<void> {
  if (!(await isDirectory(p))) throw new DflsimInputError(p, `${what} not found (or not a folder)`);
}
