/**
 * A synthetic driving dataset generated on the fly, deterministic by seed: grayscale
 * frames of a road seen in perspective from a car, whose curvature sets the steering
 * angle. It stands in for Udacity / Gazebo / Carla (the datasets of FADNet, Nguyen et
 * al., IEEE IV 2022) when those are not at hand, keeping their structure: sequences of
 * consecutive frames, one recording condition (weather and daytime, like Carla's) per
 * sequence, and silos that see different conditions.
 *
 * Geometry. A ground point at distance `d` ahead and lateral offset `X` projects to the
 * row `horizon + f h / d` and the column `W/2 + f X / d`. With `t = 1/d` the normalised
 * depth of a row (1 at the bottom, 0 at the horizon) and the road centre following
 * `X(d) = offset + heading d + curvature d^2 / 2`, the centre column is
 * `W/2 + W (offset t + heading + bend / t)`: the bend term grows towards the horizon,
 * so the road visibly curves left or right, and the road's width shrinks with `t`.
 * The steering angle is the normalised curvature, in [-1, 1] (positive = right).
 *
 * Rendering: sky gradient with clouds, terrain texture moving with the car, road with
 * edge lines and a dashed centre line, per-condition lighting (brightness, contrast,
 * headlights at night, sun glare at sunset), fog, rain streaks, snow flakes, cars,
 * shadows and lens blobs as occluders, and sensor noise. Plain loops over a
 * `Float32Array`, with per-row quantities computed once per row.
 */
import { DflsimInputError } from '../errors.js';
import { createRng, type Rng } from '../random.js';
import type { DrivingDataset, Sequence } from './dataset.js';

/** How one condition renders (all brightness values on the [0, 255] scale). */
export interface DrivingCondition {
  /** Name (e.g. `clear-noon`). */
  name: string;
  /** Sky brightness at the top of the frame and at the horizon. */
  skyTop: number;
  skyHorizon: number;
  /** Cloud texture amplitude in the sky. */
  clouds: number;
  /** Terrain (verge) brightness and texture amplitude. */
  terrain: number;
  terrainTexture: number;
  /** Road surface brightness. */
  road: number;
  /** Lane-marking brightness. */
  marking: number;
  /** Probability that a centre-line dash is worn out / covered. */
  markingWear: number;
  /** Fog: extinction per unit distance (0 = none; distances are ~1 at the bottom row, ~12 near the horizon) and its brightness. */
  fogDensity: number;
  fogLevel: number;
  /** Night: headlight reach (0 = daylight); light falls off as exp(-d / reach). */
  headlightReach: number;
  /** Sun glare strength (0 = none): a bright disc near the horizon and washed-out contrast. */
  glare: number;
  /** Rain streaks per frame per 64 pixels of width. */
  rain: number;
  /** Snow flakes per frame per 64x64 pixels. */
  snow: number;
  /** Probability of a car ahead in a sequence, and of shadow bands per frame. */
  cars: number;
  shadows: number;
  /** Probability per frame of a lens blob (dirt, droplet). */
  blobs: number;
  /** Sensor noise standard deviation. */
  noise: number;
  /** Per-frame brightness (additive) and contrast (relative) jitter, standard deviations. */
  brightnessJitter: number;
  contrastJitter: number;
  /** Steering random walk: mean it reverts to, step standard deviation per frame, reversion rate per frame. */
  steerMean: number;
  steerStep: number;
  steerReversion: number;
}

/** The built-in conditions (Carla-like weather and daytime), in a fixed order. */
export const DRIVING_CONDITIONS: readonly DrivingCondition[] = [
  {
    name: 'clear-noon',
    skyTop: 170,
    skyHorizon: 215,
    clouds: 8,
    terrain: 120,
    terrainTexture: 18,
    road: 80,
    marking: 235,
    markingWear: 0.05,
    fogDensity: 0,
    fogLevel: 200,
    headlightReach: 0,
    glare: 0,
    rain: 0,
    snow: 0,
    cars: 0.35,
    shadows: 0.25,
    blobs: 0.02,
    noise: 4,
    brightnessJitter: 6,
    contrastJitter: 0.05,
    steerMean: 0,
    steerStep: 0.06,
    steerReversion: 0.04,
  },
  {
    name: 'cloudy-afternoon',
    skyTop: 150,
    skyHorizon: 175,
    clouds: 22,
    terrain: 100,
    terrainTexture: 14,
    road: 88,
    marking: 205,
    markingWear: 0.1,
    fogDensity: 0.02,
    fogLevel: 165,
    headlightReach: 0,
    glare: 0,
    rain: 0,
    snow: 0,
    cars: 0.35,
    shadows: 0.05,
    blobs: 0.02,
    noise: 5,
    brightnessJitter: 8,
    contrastJitter: 0.06,
    steerMean: 0.05,
    steerStep: 0.06,
    steerReversion: 0.04,
  },
  {
    name: 'wet-noon',
    skyTop: 160,
    skyHorizon: 200,
    clouds: 12,
    terrain: 105,
    terrainTexture: 16,
    road: 58,
    marking: 215,
    markingWear: 0.15,
    fogDensity: 0.01,
    fogLevel: 185,
    headlightReach: 0,
    glare: 0.15,
    rain: 0,
    snow: 0,
    cars: 0.3,
    shadows: 0.1,
    blobs: 0.08,
    noise: 5,
    brightnessJitter: 8,
    contrastJitter: 0.06,
    steerMean: -0.05,
    steerStep: 0.05,
    steerReversion: 0.05,
  },
  {
    name: 'rain-dusk',
    skyTop: 70,
    skyHorizon: 105,
    clouds: 14,
    terrain: 62,
    terrainTexture: 10,
    road: 42,
    marking: 165,
    markingWear: 0.2,
    fogDensity: 0.05,
    fogLevel: 95,
    headlightReach: 0,
    glare: 0,
    rain: 26,
    snow: 0,
    cars: 0.3,
    shadows: 0,
    blobs: 0.2,
    noise: 7,
    brightnessJitter: 8,
    contrastJitter: 0.08,
    steerMean: 0.1,
    steerStep: 0.05,
    steerReversion: 0.05,
  },
  {
    name: 'fog-morning',
    skyTop: 185,
    skyHorizon: 195,
    clouds: 4,
    terrain: 125,
    terrainTexture: 10,
    road: 100,
    marking: 220,
    markingWear: 0.1,
    fogDensity: 0.14,
    fogLevel: 192,
    headlightReach: 0,
    glare: 0,
    rain: 0,
    snow: 0,
    cars: 0.25,
    shadows: 0,
    blobs: 0.03,
    noise: 5,
    brightnessJitter: 6,
    contrastJitter: 0.05,
    steerMean: -0.05,
    steerStep: 0.045,
    steerReversion: 0.05,
  },
  {
    name: 'night',
    skyTop: 12,
    skyHorizon: 28,
    clouds: 3,
    terrain: 45,
    terrainTexture: 12,
    road: 38,
    marking: 230,
    markingWear: 0.05,
    fogDensity: 0,
    fogLevel: 20,
    headlightReach: 4,
    glare: 0,
    rain: 0,
    snow: 0,
    cars: 0.3,
    shadows: 0,
    blobs: 0.03,
    noise: 8,
    brightnessJitter: 4,
    contrastJitter: 0.08,
    steerMean: 0,
    steerStep: 0.05,
    steerReversion: 0.05,
  },
  {
    name: 'snow',
    skyTop: 200,
    skyHorizon: 220,
    clouds: 10,
    terrain: 225,
    terrainTexture: 10,
    road: 120,
    marking: 250,
    markingWear: 0.35,
    fogDensity: 0.04,
    fogLevel: 215,
    headlightReach: 0,
    glare: 0,
    rain: 0,
    snow: 40,
    cars: 0.2,
    shadows: 0,
    blobs: 0.05,
    noise: 6,
    brightnessJitter: 6,
    contrastJitter: 0.06,
    steerMean: 0,
    steerStep: 0.035,
    steerReversion: 0.05,
  },
  {
    name: 'sunset-glare',
    skyTop: 120,
    skyHorizon: 235,
    clouds: 10,
    terrain: 85,
    terrainTexture: 14,
    road: 70,
    marking: 200,
    markingWear: 0.1,
    fogDensity: 0.02,
    fogLevel: 200,
    headlightReach: 0,
    glare: 1,
    rain: 0,
    snow: 0,
    cars: 0.35,
    shadows: 0.4,
    blobs: 0.05,
    noise: 5,
    brightnessJitter: 8,
    contrastJitter: 0.06,
    steerMean: -0.1,
    steerStep: 0.06,
    steerReversion: 0.04,
  },
];

/** Names of the built-in conditions. */
export const DRIVING_CONDITION_NAMES: readonly string[] = DRIVING_CONDITIONS.map((c) => c.name);

/** Options of {@link generateSyntheticDriving}. */
export interface SyntheticDrivingOptions {
  /** Frame side in pixels (square frames), at least 16 (e.g. 64; 200 as in the papers). */
  size: number;
  /** Number of sequences. */
  sequences: number;
  /** Frames per sequence. */
  framesPerSequence: number;
  /**
   * Conditions to use, by name (built-in) or full definition; sequence `i` gets
   * condition `i mod k` (balanced). Default: all {@link DRIVING_CONDITIONS}.
   */
  conditions?: readonly (string | DrivingCondition)[];
  /** Seed: the same seed gives identical bytes. */
  seed: number;
  /** Dataset name (default `synthetic-driving`). */
  name?: string;
}

/** Largest |curvature| in bend units (fraction of the width at unit depth). */
const BEND = 0.06;
/** Smallest normalised depth `t` rendered (the row just below the horizon). */
const T_FAR = 0.03;
const NOISE_TABLE = 1 << 16;

/** Per-sequence random state that evolves smoothly from frame to frame. */
interface SequenceState {
  steer: number;
  offset: number;
  heading: number;
  travelled: number;
  /** Salt of the per-dash wear hash (fixed per sequence). */
  wearSalt: number;
  car: { active: boolean; depth: number; lane: number; shade: number };
}

/**
 * Generate a synthetic driving dataset (frames in [0, 255], steering in [-1, 1]).
 * Sequence `i` is drawn from `createRng(seed).fork('sequence:i')`, so it does not
 * depend on the number of sequences requested.
 * @param options frame size, counts, conditions, seed
 */
export function generateSyntheticDriving(options: SyntheticDrivingOptions): DrivingDataset {
  const { size, sequences, framesPerSequence, seed } = options;
  checkInt('synthetic-driving.size', size, 16, 4096);
  checkInt('synthetic-driving.sequences', sequences, 1, 1e7);
  checkInt('synthetic-driving.framesPerSequence', framesPerSequence, 1, 1e7);
  if (!Number.isFinite(seed)) throw new DflsimInputError('synthetic-driving.seed', `must be a number, got ${seed}`);
  const conditions = resolveConditions(options.conditions);
  const root = createRng(seed);
  const noise = noiseTable(root.fork('noise-table'));
  const out: Sequence[] = [];
  const digits = Math.max(3, String(sequences - 1).length);
  for (let i = 0; i < sequences; i++) {
    const cond = conditions[i % conditions.length];
    const x = new Float32Array(framesPerSequence * size * size);
    const y = new Float32Array(framesPerSequence);
    renderSequence(cond, size, framesPerSequence, root.fork(`sequence:${i}`), noise, x, y);
    out.push({ id: `seq-${String(i).padStart(digits, '0')}`, condition: cond.name, x, y, frames: framesPerSequence });
  }
  return { name: options.name ?? 'synthetic-driving', height: size, width: size, channels: 1, sequences: out };
}

/**
 * Render one frame of a road with a given steering, for illustrations and tests
 * (a fixed scene: no car, no weather particles beyond the condition's own).
 * @param size frame side in pixels
 * @param steering normalised curvature in [-1, 1]
 * @param condition built-in condition name or definition
 * @param seed seed of the frame's texture and noise
 * @returns `size * size` pixels in [0, 255]
 */
export function renderRoadFrame(
  size: number,
  steering: number,
  condition: string | DrivingCondition = 'clear-noon',
  seed = 0,
): Float32Array {
  checkInt('size', size, 16, 4096);
  const cond = resolveConditions([condition])[0];
  const rng = createRng(seed);
  const out = new Float32Array(size * size);
  const state: SequenceState = {
    steer: Math.max(-1, Math.min(1, steering)),
    offset: 0,
    heading: 0,
    travelled: 0,
    wearSalt: 1,
    car: { active: false, depth: 0, lane: 0, shade: 0 },
  };
  renderFrame(cond, size, state, rng, noiseTable(rng.fork('noise-table')), out, 0);
  return out;
}

/**
 * A binary PGM (P5) image of one frame, for a person to look at (any image viewer
 * opens it). Values are rounded and clamped to [0, 255].
 * @param frame `height * width` pixels, row-major
 * @param width frame width in pixels
 * @param height frame height in pixels (default: square)
 */
export function renderExamplePgm(frame: Float32Array, width: number, height = width): Buffer {
  if (frame.length < width * height) {
    throw new DflsimInputError('frame', `has ${frame.length} pixels, ${width}x${height} needs ${width * height}`);
  }
  const header = Buffer.from(`P5\n${width} ${height}\n255\n`, 'ascii');
  const body = Buffer.alloc(width * height);
  for (let i = 0; i < width * height; i++) body[i] = Math.max(0, Math.min(255, Math.round(frame[i])));
  return Buffer.concat([header, body]);
}

/**
 * Tile equally sized frames into one image (row-major grid, `gap` pixels of black
 * between tiles), e.g. to save a contact sheet with {@link renderExamplePgm}.
 * @param frames frames of `width * height` pixels
 * @param width frame width in pixels
 * @param height frame height in pixels
 * @param columns tiles per row
 * @param gap pixels between tiles
 */
export function tileFrames(
  frames: readonly Float32Array[],
  width: number,
  height: number,
  columns: number,
  gap = 2,
): { pixels: Float32Array; width: number; height: number } {
  const cols = Math.max(1, Math.min(columns, frames.length));
  const rows = Math.max(1, Math.ceil(frames.length / cols));
  const W = cols * width + (cols - 1) * gap,
    H = rows * height + (rows - 1) * gap;
  const pixels = new Float32Array(W * H);
  frames.forEach((f, k) => {
    const ox = (k % cols) * (width + gap),
      oy = Math.floor(k / cols) * (height + gap);
    for (let r = 0; r < height; r++) pixels.set(f.subarray(r * width, (r + 1) * width), (oy + r) * W + ox);
  });
  return { pixels, width: W, height: H };
}

function checkInt(where: string, v: number, min: number, max: number): void {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new DflsimInputError(where, `must be an integer in [${min}, ${max}], got ${v}`);
  }
}

function resolveConditions(conds: readonly (string | DrivingCondition)[] | undefined): DrivingCondition[] {
  if (conds === undefined) return DRIVING_CONDITIONS.slice();
  if (conds.length === 0) throw new DflsimInputError('synthetic-driving.conditions', 'must not be empty');
  return conds.map((c, i) => {
    if (typeof c !== 'string') return c;
    const found = DRIVING_CONDITIONS.find((d) => d.name === c);
    if (!found) {
      throw new DflsimInputError(
        `synthetic-driving.conditions[${i}]`,
        `unknown condition "${c}" (known: ${DRIVING_CONDITION_NAMES.join(', ')})`,
      );
    }
    return found;
  });
}

/** A table of standard normal values; frames read it at a random offset and odd stride. */
function noiseTable(rng: Rng): Float32Array {
  const t = new Float32Array(NOISE_TABLE);
  for (let i = 0; i < NOISE_TABLE; i++) t[i] = rng.normal();
  return t;
}

function renderSequence(
  cond: DrivingCondition,
  size: number,
  frames: number,
  rng: Rng,
  noise: Float32Array,
  x: Float32Array,
  y: Float32Array,
): void {
  const walk = rng.fork('walk');
  const frameRng = rng.fork('frames');
  const state: SequenceState = {
    steer: clamp(cond.steerMean + 0.45 * walk.normal(), -1, 1),
    offset: 0.04 * walk.normal(),
    heading: 0.015 * walk.normal(),
    travelled: 10 * walk.next(),
    wearSalt: walk.int(0x7fffffff),
    car: { active: walk.next() < cond.cars, depth: 0.2 + 0.5 * walk.next(), lane: walk.next() < 0.5 ? -0.5 : 0.5, shade: walk.next() },
  };
  const len = size * size;
  for (let f = 0; f < frames; f++) {
    if (f > 0) advance(state, cond, walk);
    y[f] = state.steer;
    renderFrame(cond, size, state, frameRng, noise, x, f * len);
  }
}

/** One step of the sequence's random walks (curvature, lateral offset, heading, car). */
function advance(s: SequenceState, c: DrivingCondition, rng: Rng): void {
  // Mean-reverting random walk, reflected at +-1.
  let st = s.steer + c.steerReversion * (c.steerMean - s.steer) + c.steerStep * rng.normal();
  if (st > 1) st = 2 - st;
  if (st < -1) st = -2 - st;
  s.steer = clamp(st, -1, 1);
  s.offset = clamp(0.9 * s.offset + 0.01 * rng.normal(), -0.1, 0.1);
  s.heading = clamp(0.9 * s.heading + 0.004 * rng.normal(), -0.03, 0.03);
  s.travelled += 0.35 + 0.05 * rng.next();
  const car = s.car;
  if (car.active) {
    // Drifts nearer / farther, reflected inside [0.2, 0.75]; leaves now and then.
    car.depth += 0.012 * rng.normal();
    if (car.depth < 0.2) car.depth = 0.4 - car.depth;
    if (car.depth > 0.75) car.depth = 1.5 - car.depth;
    if (rng.next() < 0.01) car.active = false;
  } else if (rng.next() < 0.02 * c.cars) {
    car.active = true;
    car.depth = 0.2 + 0.15 * rng.next();
    car.lane = rng.next() < 0.5 ? -0.5 : 0.5;
    car.shade = rng.next();
  }
}

/** A deterministic hash of an integer to [0, 1) (which dashes are worn out). */
function hashUnit(i: number, salt: number): number {
  let h = Math.imul(i ^ salt, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 15), 0x85ebca77);
  return ((h ^ (h >>> 13)) >>> 0) / 4294967296;
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

/** Coverage of a pixel by a band of half-width `hw` centred at distance `dist` (1-pixel linear ramp). */
function cover(dist: number, hw: number): number {
  const c = hw + 0.5 - dist;
  return c <= 0 ? 0 : c >= 1 ? 1 : c;
}

/** What one frame draws with, fixed before its first pixel (the frame's random draws, in order). */
interface FrameScene {
  c: DrivingCondition;
  S: number;
  st: SequenceState;
  noise: Float32Array;
  mask: number;
  horizon: number;
  bend: number;
  night: boolean;
  sunX: number;
  sunY: number;
  sunR2: number;
  shadowOn: boolean;
  shadowT0: number;
  shadowT1: number;
  hzRow: number;
}

function renderFrame(
  c: DrivingCondition,
  S: number,
  st: SequenceState,
  rng: Rng,
  noise: Float32Array,
  out: Float32Array,
  base: number,
): void {
  const mask = NOISE_TABLE - 1;
  const np = rng.int(NOISE_TABLE);
  const nstride = 2 * rng.int(NOISE_TABLE / 2) + 1;
  const horizon = S * (0.36 + 0.012 * rng.normal());
  const gain = 1 + c.contrastJitter * rng.normal();
  const bias = c.brightnessJitter * rng.normal();
  // Sun glare: a disc near the horizon, on a side drawn per frame-ish (slowly varying via travel).
  const sunX = S * (0.5 + 0.35 * Math.sin(0.05 * st.travelled + 1.3));
  // Shadow band (a tree or bridge shadow across the road), in depth units.
  const shadowOn = rng.next() < c.shadows;
  const shadowT0 = 0.15 + 0.7 * rng.next();
  const shadowT1 = shadowT0 + 0.05 + 0.12 * rng.next();
  const scene: FrameScene = {
    c,
    S,
    st,
    noise,
    mask,
    horizon,
    bend: BEND * st.steer,
    night: c.headlightReach > 0,
    sunX,
    sunY: horizon - S * 0.08,
    sunR2: (S * 0.12) ** 2,
    shadowOn,
    shadowT0,
    shadowT1,
    hzRow: Math.max(0, Math.floor(horizon)),
  };
  for (let r = 0; r < S; r++) {
    if (r + 0.5 <= horizon) drawSkyRow(scene, r, out, base + r * S);
    else drawGroundRow(scene, r, out, base + r * S);
  }
  drawCar(scene, out, base);
  drawWeather(c, S, rng, out, base);
  finishFrame(c, S, noise, mask, np, nstride, gain, bias, out, base);
}

/** Sky row r: a vertical gradient with cloud texture, and the sun's glare. */
function drawSkyRow(f: FrameScene, r: number, out: Float32Array, row: number): void {
  const { c, S, noise, mask, horizon, sunX, sunY, sunR2 } = f;
  const yc = r + 0.5;
  const glare = c.glare;
  const sky = c.skyTop + (c.skyHorizon - c.skyTop) * clamp(yc / Math.max(1, horizon), 0, 1);
  const cloudAmp = c.clouds;
  for (let col = 0; col < S; col++) {
    let v = sky + cloudAmp * noise[(r * 131 + col * 7 + (f.hzRow << 5)) & mask] * 0.5;
    if (glare > 0) {
      const dx = col + 0.5 - sunX,
        dy = yc - sunY;
      const d2 = dx * dx + dy * dy;
      v += (glare * 120 * sunR2) / (d2 + sunR2);
    }
    out[row + col] = v;
  }
}

/** Ground row r: verge, road, edge lines and dashes, shadow, headlights, fog and glare. */
function drawGroundRow(f: FrameScene, r: number, out: Float32Array, row: number): void {
  const { c, S, st, noise, mask, horizon, bend, night, sunX, sunY, sunR2 } = f;
  const glare = c.glare;
  const invS = 1 / S;
  const yc = r + 0.5;
  // Ground row: normalised depth t in (0, 1], distance d = 1 / t.
  let t = (yc - horizon) / (S - horizon);
  if (t < T_FAR) t = T_FAR;
  const d = 1 / t;
  const centre = S * (0.5 + st.offset * t + st.heading + bend * (d - 1));
  const halfRoad = S * (0.004 + 0.42 * t);
  const lineHalf = Math.max(0.35, halfRoad * 0.045);
  const edgeAt = halfRoad * 0.9;
  // Dashes: 1 unit long, 1 unit gap, moving with the car.
  const dashPhase = (d * 1.4 + st.travelled) * 0.5;
  const dashIdx = Math.floor(dashPhase);
  let dashOn = dashPhase - dashIdx < 0.5 ? 1 : 0;
  if (dashOn && c.markingWear > 0 && hashUnit(dashIdx, st.wearSalt) < c.markingWear) dashOn = 0;
  // Distance attenuation: fog (blend to fog level) and headlights (darkness beyond reach).
  const fog = c.fogDensity > 0 ? 1 - Math.exp(-c.fogDensity * (d - 1)) : 0;
  const light = night ? Math.exp(-(d - 1) / c.headlightReach) : 1;
  const shadow = f.shadowOn && t > f.shadowT0 && t < f.shadowT1 ? 0.55 : 1;
  const texRow = (Math.floor(d * 8 + st.travelled * 8) * 613) & mask;
  const terrainAmp = c.terrainTexture * (0.4 + 0.6 * t);
  const roadTex = 4 * t;
  const fogKeep = 1 - fog,
    fogAdd = c.fogLevel * fog;
  // Pixels farther than `outer` from the centre line are verge only (the common case).
  const outer = Math.max(halfRoad, edgeAt + lineHalf) + 0.5;
  const terrain = c.terrain,
    road = c.road,
    marking = c.marking;
  const gy2 = (yc - sunY) * (yc - sunY);
  for (let col = 0; col < S; col++) {
    const xc = col + 0.5;
    const dx = xc - centre;
    const a = dx < 0 ? -dx : dx;
    const tex = noise[(texRow + col * 29) & mask];
    let v: number;
    let m = 0;
    if (a >= outer) {
      v = terrain + terrainAmp * tex;
    } else {
      const onRoad = cover(a, halfRoad);
      v = (terrain + terrainAmp * tex) * (1 - onRoad) + (road + roadTex * tex) * onRoad;
      const e = a - edgeAt;
      m = cover(e < 0 ? -e : e, lineHalf);
      if (dashOn) {
        const mc = cover(a, lineHalf);
        if (mc > m) m = mc;
      }
      if (m > 0) v += (marking - v) * m;
    }
    v *= shadow;
    if (night) {
      // Headlights: a cone around the car's axis; markings are retro-reflective.
      const lateral = (xc - S * 0.5) * invS * t * 1.2;
      const beam = light * Math.exp(-lateral * lateral * 6);
      v = v * (0.12 + 0.88 * beam) + m * 60 * beam;
    }
    v = v * fogKeep + fogAdd;
    if (glare > 0) {
      const gx = xc - sunX;
      v += (glare * 70 * sunR2) / (gx * gx + gy2 + sunR2);
    }
    out[row + col] = v;
  }
}

/** Car ahead: a dark box (light box at night with tail lights) standing on the road. */
function drawCar(f: FrameScene, out: Float32Array, base: number): void {
  const { S, st, horizon, bend, night } = f;
  const car = st.car;
  if (!car.active) return;
  const t = car.depth;
  const d = 1 / t;
  const rowBottom = horizon + t * (S - horizon);
  const halfRoad = S * (0.004 + 0.42 * t);
  const cx = S * (0.5 + st.offset * t + st.heading + bend * (d - 1)) + car.lane * halfRoad;
  const halfW = halfRoad * 0.42;
  const h = halfW * 1.3;
  const shade = night ? 30 : 25 + 60 * car.shade;
  fillBox(out, base, S, cx - halfW, rowBottom - h, cx + halfW, rowBottom, shade, 1);
  if (night) {
    const lw = Math.max(0.6, halfW * 0.25);
    fillBox(out, base, S, cx - halfW, rowBottom - h * 0.55, cx - halfW + lw, rowBottom - h * 0.35, 200, 1);
    fillBox(out, base, S, cx + halfW - lw, rowBottom - h * 0.55, cx + halfW, rowBottom - h * 0.35, 200, 1);
  } else {
    fillBox(out, base, S, cx - halfW * 0.8, rowBottom - h * 0.95, cx + halfW * 0.8, rowBottom - h * 0.6, shade + 40, 0.8);
  }
}

/** Rain streaks, snow flakes and a lens blob, drawn with the frame's generator in that order. */
function drawWeather(c: DrivingCondition, S: number, rng: Rng, out: Float32Array, base: number): void {
  // Rain streaks: short bright slanted lines.
  const streaks = Math.round((c.rain * S) / 64);
  for (let k = 0; k < streaks; k++) {
    const x0 = rng.next() * S,
      y0 = rng.next() * S;
    const L = S * (0.05 + 0.08 * rng.next());
    const steps = Math.max(2, Math.ceil(L));
    for (let j = 0; j < steps; j++) {
      const px = Math.floor(x0 + j * 0.3),
        py = Math.floor(y0 + j);
      if (px >= 0 && px < S && py >= 0 && py < S) {
        const i = base + py * S + px;
        out[i] += (190 - out[i]) * 0.35;
      }
    }
  }
  // Snow flakes: bright dots, bigger near the camera.
  const flakes = Math.round((c.snow * S * S) / 4096);
  for (let k = 0; k < flakes; k++) {
    const px = rng.next() * S,
      py = rng.next() * S;
    const rad = 0.4 + (rng.next() * S) / 64;
    fillBox(out, base, S, px - rad, py - rad, px + rad, py + rad, 245, 0.85);
  }
  // Lens blob: a soft disc of dirt or a droplet.
  if (rng.next() < c.blobs) {
    const bx = rng.next() * S,
      by = rng.next() * S;
    const br = S * (0.05 + 0.1 * rng.next());
    const level = rng.next() < 0.5 ? 20 : 200;
    const x0 = Math.max(0, Math.floor(bx - br)),
      x1 = Math.min(S, Math.ceil(bx + br));
    const y0 = Math.max(0, Math.floor(by - br)),
      y1 = Math.min(S, Math.ceil(by + br));
    const br2 = br * br;
    for (let py = y0; py < y1; py++) {
      for (let px = x0; px < x1; px++) {
        const dx = px + 0.5 - bx,
          dy = py + 0.5 - by;
        const q = 1 - (dx * dx + dy * dy) / br2;
        if (q > 0) {
          const i = base + py * S + px;
          out[i] += (level - out[i]) * 0.7 * q;
        }
      }
    }
  }
}

/** Lighting jitter, sensor noise (a stride through the noise table from `np`), clamp to [0, 255]. */
function finishFrame(
  c: DrivingCondition,
  S: number,
  noise: Float32Array,
  mask: number,
  np: number,
  nstride: number,
  gain: number,
  bias: number,
  out: Float32Array,
  base: number,
): void {
  const sigma = c.noise;
  const glare = c.glare;
  const mid = 128;
  for (let i = base, e = base + S * S; i < e; i++) {
    np = (np + nstride) & mask;
    let v = (out[i] - mid) * gain + mid + bias + sigma * noise[np];
    if (glare > 0) v = v * (1 - 0.15 * glare) + 255 * 0.15 * glare;
    out[i] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
}

/** Blend a box with anti-aliased horizontal edges; coordinates in pixels (exclusive ends). */
function fillBox(
  out: Float32Array,
  base: number,
  S: number,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  level: number,
  alpha: number,
): void {
  const r0 = Math.max(0, Math.floor(y0)),
    r1 = Math.min(S, Math.ceil(y1));
  const c0 = Math.max(0, Math.floor(x0)),
    c1 = Math.min(S, Math.ceil(x1));
  for (let r = r0; r < r1; r++) {
    const vy = Math.min(r + 1, y1) - Math.max(r, y0);
    if (vy <= 0) continue;
    for (let col = c0; col < c1; col++) {
      const vx = Math.min(col + 1, x1) - Math.max(col, x0);
      if (vx <= 0) continue;
      const a = alpha * Math.min(1, vx) * Math.min(1, vy);
      const i = base + r * S + col;
      out[i] += (level - out[i]) * a;
    }
  }
}
