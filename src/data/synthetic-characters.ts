/**
 * A seeded generator of handwritten-like characters: the built-in stand-in for FEMNIST
 * (LEAF; Caldas et al. 2018), 62 classes (digits, upper- and lower-case letters) at 28x28.
 *
 * Each class is a set of pen strokes (`character-glyphs.ts`). Each writer has a style:
 * slant, horizontal and vertical scale, rotation, stroke width, position and the amplitude
 * of an elastic distortion (a smooth displacement field; Simard et al. 2003 use elastic
 * distortions to imitate the variability of handwriting). Each image adds its own small
 * jitter (translation, rotation, scale) and its own phases of the elastic field, then the
 * strokes are rendered as anti-aliased lines of the writer's width. Writers therefore make
 * the data non-IID the way FEMNIST's writers do: the same classes in different hands.
 *
 * How close it is to FEMNIST, as far as the generator is concerned:
 * - samples per writer: drawn from a log-normal with FEMNIST's mean 226.8 and standard
 *   deviation 88.9 (the LEAF paper's statistics of its 3,550 writers), at least 10;
 * - class balance: FEMNIST (EMNIST ByClass) is unbalanced, digits being the most frequent
 *   classes; here each digit is `digitWeight` (default 3) times as likely as each letter,
 *   so digits are 10·3 / (10·3 + 52) = 36.6% of the images;
 * - pixels: in [0, 1], ink 1 on a background of 0 (LEAF stores 1 − ink; a reader flips it).
 * It is not FEMNIST: the shapes are print-like templates, not scanned handwriting, so
 * absolute accuracies differ; it keeps what a topology study needs (62 classes, writer
 * skew, the same image size and model).
 */
import { DflsimInputError } from '../errors.js';
import { createRng, type Rng } from '../random.js';
import { CHARACTER_CLASSES, GLYPHS, type Stroke } from './character-glyphs.js';

/** Image side (pixels). */
export const CHARACTER_SIZE = 28;

/** One writer's images. */
export interface CharacterWriter {
  /** Writer id (unique in the dataset). */
  id: string;
  /** `count * 28 * 28` pixels in [0, 1] (ink = 1), row-major per image. */
  x: Float32Array;
  /** Class label of each image (0..61, see {@link CHARACTER_CLASSES}). */
  y: Int32Array;
  /** Number of images. */
  count: number;
}

/** A character dataset: writers of 28x28 grayscale images of 62 classes. */
export interface CharacterDataset {
  name: string;
  height: number;
  width: number;
  /** Class names in label order. */
  classes: readonly string[];
  writers: CharacterWriter[];
}

/** A writer's hand. */
export interface WriterStyle {
  /** Horizontal shear (x += slant · (0.5 − y)). */
  slant: number;
  scaleX: number;
  scaleY: number;
  /** Rotation (radians). */
  rotation: number;
  /** Stroke width (pixels). */
  strokePx: number;
  /** Amplitude of the elastic displacement (fraction of the box). */
  elastic: number;
  /** Offset of the glyph's centre (fraction of the box). */
  offsetX: number;
  offsetY: number;
}

/** Options of {@link generateSyntheticCharacters}. */
export interface SyntheticCharactersSpec {
  /** Number of writers. */
  writers: number;
  /** Mean images per writer (default 226.8, FEMNIST's). */
  meanSamplesPerWriter?: number;
  /** Standard deviation of images per writer (default 88.9, FEMNIST's). */
  stdSamplesPerWriter?: number;
  /** How many times as likely each digit is as each letter (default 3). */
  digitWeight?: number;
  seed: number;
}

/** Defaults: FEMNIST's per-writer statistics (LEAF). */
export const FEMNIST_MEAN_SAMPLES = 226.8;
export const FEMNIST_STD_SAMPLES = 88.9;
const MIN_SAMPLES = 10;

/** A writer's style, drawn from a seeded stream. */
export function drawWriterStyle(rng: Rng): WriterStyle {
  const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x));
  return {
    slant: clamp(0.22 * rng.normal(), -0.5, 0.5),
    scaleX: clamp(0.9 + 0.1 * rng.normal(), 0.65, 1.15),
    scaleY: clamp(0.92 + 0.08 * rng.normal(), 0.7, 1.1),
    rotation: clamp(0.08 * rng.normal(), -0.25, 0.25),
    strokePx: 1.3 + 1.6 * rng.next(),
    elastic: 0.01 + 0.035 * rng.next(),
    offsetX: clamp(0.04 * rng.normal(), -0.08, 0.08),
    offsetY: clamp(0.04 * rng.normal(), -0.08, 0.08),
  };
}

/**
 * Render one character into `out` (28·28 floats at `offset`, overwritten).
 * @param label class index
 * @param style the writer's style
 * @param rng the image's own jitter
 */
export function renderCharacter(label: number, style: WriterStyle, rng: Rng, out: Float32Array, offset = 0): void {
  const S = CHARACTER_SIZE;
  const strokes = GLYPHS[CHARACTER_CLASSES[label]];
  // the image's own jitter on top of the writer's style
  const rot = style.rotation + 0.05 * rng.normal();
  const sx = style.scaleX * (1 + 0.04 * rng.normal());
  const sy = style.scaleY * (1 + 0.04 * rng.normal());
  const tx = style.offsetX + 0.025 * rng.normal();
  const ty = style.offsetY + 0.025 * rng.normal();
  const cos = Math.cos(rot),
    sin = Math.sin(rot);
  // elastic field: two low-frequency waves per axis with the image's phases
  const ph = [rng.next(), rng.next(), rng.next(), rng.next()].map((p) => p * 2 * Math.PI);
  const fr = [1 + rng.next(), 1 + rng.next(), 1 + rng.next(), 1 + rng.next()];
  const a = style.elastic;
  const map = (x: number, y: number): [number, number] => {
    const ex = a * (Math.sin(2 * Math.PI * fr[0] * y + ph[0]) + 0.5 * Math.sin(2 * Math.PI * fr[1] * x + ph[1]));
    const ey = a * (Math.sin(2 * Math.PI * fr[2] * x + ph[2]) + 0.5 * Math.sin(2 * Math.PI * fr[3] * y + ph[3]));
    let u = (x - 0.5 + style.slant * (0.5 - y)) * sx + ex;
    let v = (y - 0.5) * sy + ey;
    [u, v] = [cos * u - sin * v, sin * u + cos * v];
    return [(u + 0.5 + tx) * S, (v + 0.5 + ty) * S];
  };
  out.fill(0, offset, offset + S * S);
  const half = (style.strokePx * (1 + 0.08 * rng.normal())) / 2;
  for (const stroke of strokes) drawStroke(stroke, map, half, out, offset);
}

/** Anti-aliased thick polyline: intensity 1 within `half` of the line, falling to 0 one pixel further. */
function drawStroke(
  stroke: Stroke,
  map: (x: number, y: number) => [number, number],
  half: number,
  out: Float32Array,
  offset: number,
): void {
  const S = CHARACTER_SIZE;
  const pts: number[] = [];
  for (let i = 0; i + 1 < stroke.length; i += 2) pts.push(...map(stroke[i], stroke[i + 1]));
  const segs = Math.max(1, pts.length / 2 - 1);
  for (let s = 0; s < segs; s++) {
    const x0 = pts[2 * s],
      y0 = pts[2 * s + 1];
    const x1 = pts.length >= 4 ? pts[2 * s + 2] : x0,
      y1 = pts.length >= 4 ? pts[2 * s + 3] : y0;
    const reach = half + 1;
    const c0 = Math.max(0, Math.floor(Math.min(x0, x1) - reach)),
      c1 = Math.min(S - 1, Math.ceil(Math.max(x0, x1) + reach));
    const r0 = Math.max(0, Math.floor(Math.min(y0, y1) - reach)),
      r1 = Math.min(S - 1, Math.ceil(Math.max(y0, y1) + reach));
    const dx = x1 - x0,
      dy = y1 - y0,
      len2 = dx * dx + dy * dy;
    for (let r = r0; r <= r1; r++) {
      const py = r + 0.5;
      for (let c = c0; c <= c1; c++) {
        const px = c + 0.5;
        let t = len2 > 0 ? ((px - x0) * dx + (py - y0) * dy) / len2 : 0;
        t = t < 0 ? 0 : t > 1 ? 1 : t;
        const ddx = px - (x0 + t * dx),
          ddy = py - (y0 + t * dy);
        const d = Math.sqrt(ddx * ddx + ddy * ddy);
        const ink = d <= half ? 1 : d >= half + 1 ? 0 : half + 1 - d;
        const k = offset + r * S + c;
        if (ink > out[k]) out[k] = ink;
      }
    }
  }
}

function checkSpec(spec: SyntheticCharactersSpec, where: string): Required<SyntheticCharactersSpec> {
  const full = {
    meanSamplesPerWriter: FEMNIST_MEAN_SAMPLES,
    stdSamplesPerWriter: FEMNIST_STD_SAMPLES,
    digitWeight: 3,
    ...spec,
  };
  if (!Number.isInteger(full.writers) || full.writers < 1)
    throw new DflsimInputError(`${where}.writers`, `must be a positive integer, got ${full.writers}`);
  if (!(full.meanSamplesPerWriter >= MIN_SAMPLES))
    throw new DflsimInputError(`${where}.meanSamplesPerWriter`, `must be at least ${MIN_SAMPLES}, got ${full.meanSamplesPerWriter}`);
  if (!(full.stdSamplesPerWriter >= 0))
    throw new DflsimInputError(`${where}.stdSamplesPerWriter`, `must be non-negative, got ${full.stdSamplesPerWriter}`);
  if (!(full.digitWeight > 0)) throw new DflsimInputError(`${where}.digitWeight`, `must be positive, got ${full.digitWeight}`);
  if (!Number.isInteger(full.seed) || full.seed < 0)
    throw new DflsimInputError(`${where}.seed`, `must be a non-negative integer, got ${full.seed}`);
  return full;
}

/** Images of one writer: a log-normal count with the given mean and standard deviation (at least 10). */
export function writerSampleCount(rng: Rng, mean: number, std: number): number {
  if (std === 0) return Math.max(MIN_SAMPLES, Math.round(mean));
  const sigma2 = Math.log(1 + (std * std) / (mean * mean));
  const mu = Math.log(mean) - sigma2 / 2;
  return Math.max(MIN_SAMPLES, Math.round(Math.exp(mu + Math.sqrt(sigma2) * rng.normal())));
}

/**
 * Generate a synthetic character dataset. Writer w's images depend only on (seed, w):
 * adding writers does not change the first ones.
 * @param where prefix of error fields (default `dataset`)
 */
export function generateSyntheticCharacters(spec: SyntheticCharactersSpec, where = 'dataset'): CharacterDataset {
  const s = checkSpec(spec, where);
  const classes = CHARACTER_CLASSES;
  const cumulative: number[] = [];
  let total = 0;
  classes.forEach((_, c) => {
    total += c < 10 ? s.digitWeight : 1;
    cumulative.push(total);
  });
  const root = createRng(s.seed).fork('synthetic-characters');
  const writers: CharacterWriter[] = [];
  for (let w = 0; w < s.writers; w++) {
    const rng = root.fork(w);
    const style = drawWriterStyle(rng.fork('style'));
    const count = writerSampleCount(rng.fork('count'), s.meanSamplesPerWriter, s.stdSamplesPerWriter);
    const x = new Float32Array(count * CHARACTER_SIZE * CHARACTER_SIZE);
    const y = new Int32Array(count);
    const images = rng.fork('images');
    for (let i = 0; i < count; i++) {
      const u = images.next() * total;
      let c = 0;
      while (cumulative[c] <= u) c++;
      y[i] = c;
      renderCharacter(c, style, images, x, i * CHARACTER_SIZE * CHARACTER_SIZE);
    }
    writers.push({ id: `writer-${String(w).padStart(4, '0')}`, x, y, count });
  }
  return { name: 'synthetic-characters', height: CHARACTER_SIZE, width: CHARACTER_SIZE, classes, writers };
}
