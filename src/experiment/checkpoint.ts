/**
 * Checkpoints of a training run: the engine state (silo weights, optimizer states,
 * metrics so far) in one binary file, written atomically (a temporary file renamed over
 * the old one), so a run killed at any moment resumes from the last complete checkpoint.
 *
 * Layout: magic `DFLSIMCK`, a uint32 header length, the JSON header, padding to 4 bytes,
 * then per silo its weights, Adam m and Adam v as little-endian float32.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { DflsimInputError } from '../errors.js';
import type { EngineState, MetricRow } from '../learning/dpasgd.js';

const MAGIC = 'DFLSIMCK';

interface Header {
  version: 1;
  configHash: string;
  round: number;
  done: boolean;
  wallMs: number;
  simulatedMs: number;
  silos: number;
  weightCount: number;
  paramCount: number;
  steps: number[];
  metrics: MetricRow[];
  /** The convolution kernels the run trained with (runner.ts's `backend.kernels`); absent in older checkpoints. */
  kernels?: string;
}

/** Serialise an engine state (with the kernels it trained with, when known). */
export function encodeCheckpoint(state: EngineState, configHash: string, kernels?: string): Uint8Array {
  const n = state.weights.length;
  const weightCount = state.weights[0].length;
  const paramCount = state.opt[0].m.length;
  const header: Header = {
    version: 1,
    configHash,
    round: state.round,
    done: state.done,
    wallMs: state.wallMs,
    simulatedMs: state.simulatedMs,
    silos: n,
    weightCount,
    paramCount,
    steps: state.opt.map((o) => o.step),
    metrics: state.metrics,
    ...(kernels ? { kernels } : {}),
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const headLen = 8 + 4 + json.length;
  const pad = (4 - (headLen % 4)) % 4;
  const floats = n * (weightCount + 2 * paramCount);
  const buf = Buffer.alloc(headLen + pad + floats * 4);
  buf.write(MAGIC, 0, 'ascii');
  buf.writeUInt32LE(json.length, 8);
  json.copy(buf, 12);
  const f = new Float32Array(buf.buffer, buf.byteOffset + headLen + pad, floats);
  let o = 0;
  for (let i = 0; i < n; i++) {
    f.set(state.weights[i], o);
    o += weightCount;
    f.set(state.opt[i].m, o);
    o += paramCount;
    f.set(state.opt[i].v, o);
    o += paramCount;
  }
  return buf;
}

/** Parse a checkpoint; `file` names it in errors. */
export function decodeCheckpoint(data: Uint8Array, file: string): { state: EngineState; configHash: string; kernels?: string } {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (buf.length < 12 || buf.toString('ascii', 0, 8) !== MAGIC) throw new DflsimInputError(file, 'not a dflsim checkpoint');
  const len = buf.readUInt32LE(8);
  let h: Header;
  try {
    h = JSON.parse(buf.toString('utf8', 12, 12 + len)) as Header;
  } catch {
    throw new DflsimInputError(file, 'corrupt checkpoint header');
  }
  checkHeader(h, file);
  const headLen = 12 + len;
  const pad = (4 - (headLen % 4)) % 4;
  const floats = h.silos * (h.weightCount + 2 * h.paramCount);
  if (buf.length !== headLen + pad + floats * 4)
    throw new DflsimInputError(file, `truncated checkpoint (${buf.length} bytes, expected ${headLen + pad + floats * 4})`);
  const copy = new Float32Array(floats);
  copy.set(new Float32Array(buf.buffer.slice(buf.byteOffset + headLen + pad, buf.byteOffset + headLen + pad + floats * 4)));
  const weights: Float32Array[] = [],
    opt: EngineState['opt'] = [];
  let o = 0;
  for (let i = 0; i < h.silos; i++) {
    weights.push(copy.slice(o, o + h.weightCount));
    o += h.weightCount;
    const m = copy.slice(o, o + h.paramCount);
    o += h.paramCount;
    const v = copy.slice(o, o + h.paramCount);
    o += h.paramCount;
    opt.push({ m, v, step: h.steps[i] });
  }
  return {
    configHash: h.configHash,
    ...(typeof h.kernels === 'string' ? { kernels: h.kernels } : {}),
    state: { round: h.round, done: h.done, wallMs: h.wallMs, simulatedMs: h.simulatedMs, weights, opt, metrics: h.metrics },
  };
}

const isCount = (v: unknown, min: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min;

/** Reject a header whose fields do not describe a checkpoint (before any array is sized from it). */
function checkHeader(h: Header, file: string): void {
  const bad = (what: string): never => {
    throw new DflsimInputError(file, `corrupt checkpoint header: ${what}`);
  };
  if (h === null || typeof h !== 'object') bad('not an object');
  if (h.version !== 1) bad(`version ${String(h.version)} (this dflsim reads version 1)`);
  if (!isCount(h.silos, 1)) bad(`silos ${String(h.silos)}`);
  if (!isCount(h.weightCount, 1) || !isCount(h.paramCount, 1) || h.paramCount > h.weightCount)
    bad(`weightCount ${String(h.weightCount)}, paramCount ${String(h.paramCount)}`);
  if (!isCount(h.round, 0)) bad(`round ${String(h.round)}`);
  if (!Array.isArray(h.steps) || h.steps.length !== h.silos || !h.steps.every((x) => isCount(x, 0)))
    bad(`steps (expected ${h.silos} step counts)`);
  if (!Array.isArray(h.metrics) || h.metrics.length !== h.round)
    bad(`${Array.isArray(h.metrics) ? h.metrics.length : 'no'} metric rows for ${h.round} rounds`);
}

/** Read a checkpoint file, or undefined when there is none. */
export function readCheckpoint(file: string): { state: EngineState; configHash: string; kernels?: string } | undefined {
  if (!existsSync(file)) return undefined;
  if (statSync(file).isDirectory())
    throw new DflsimInputError(file, 'is a directory, not a checkpoint file (remove it, or use --force to start over)');
  let data: Uint8Array;
  try {
    data = readFileSync(file);
  } catch (e) {
    throw new DflsimInputError(file, `cannot read the checkpoint: ${(e as Error).message}`);
  }
  return decodeCheckpoint(data, file);
}

/** What a run expects of a checkpoint it resumes. */
export interface ResumeTarget {
  /** Silos of the run. */
  silos: number;
  /** Rounds of the run. */
  rounds: number;
  /** The model's flat weight count and trainable parameter count. */
  weightCount: number;
  paramCount: number;
}

/**
 * Check that a checkpoint can continue a run (same silos and model, a round within the
 * run); `file` names it in errors.
 */
export function checkResumable(state: EngineState, file: string, run: ResumeTarget): void {
  const n = state.weights.length;
  if (n !== run.silos)
    throw new DflsimInputError(
      file,
      `the checkpoint has ${n} silo${n === 1 ? '' : 's'}, the run has ${run.silos}; use --force to start over`,
    );
  if (state.round > run.rounds)
    throw new DflsimInputError(
      file,
      `the checkpoint is at round ${state.round}, beyond the run's ${run.rounds} rounds; use --force to start over`,
    );
  const w = state.weights[0].length;
  const p = state.opt[0].m.length;
  if (w !== run.weightCount || p !== run.paramCount) {
    throw new DflsimInputError(
      file,
      `the checkpoint does not match the model: ${w} weights (${p} trainable), the model has ${run.weightCount} (${run.paramCount}); use --force to start over`,
    );
  }
}

/** The kernels of dflsim's native addon before its products used fused multiply-adds (one family). */
const NATIVE_NO_FMA = new Set(['native-avx2', 'native-portable']);

/** The suffix of a kernels label whose local steps ran dflsim's general native training step. */
const NATIVE_STEP = '+native-step';

/**
 * The family of a kernels string: runs under kernels of one family give the same bits.
 * 'native-fma' (the native addon's products with fused multiply-adds, whatever the code
 * path: AVX-512, AVX2 + FMA or portable C), with '+native-step' when the local steps ran
 * dflsim's general native training step (its own order of operations) rather than
 * tf.layers; 'native' for the older addon's 'native-avx2' and 'native-portable' (no fused
 * multiply-add); else the name itself ('wasm': XNNPACK).
 */
export function kernelFamily(kernels: string): string {
  return NATIVE_NO_FMA.has(kernels) ? 'native' : kernels;
}

/**
 * Refuse to resume under kernels whose sums run in another order than the checkpoint's (the
 * native addon against XNNPACK, the native kernels with fused multiply-adds against the older
 * ones without, or the native training step against tf.layers): the resumed run would be
 * neither run. Checkpoints that do not say (older ones, other backends) are not checked.
 */
export function checkKernels(written: string | undefined, current: string | undefined, file: string): void {
  if (!written || !current || kernelFamily(written) === kernelFamily(current)) return;
  const w = kernelFamily(written);
  const c = kernelFamily(current);
  const what = (k: string) =>
    kernelFamily(k) === 'native'
      ? `${k} kernels (an older dflsim's native kernels, without fused multiply-add)`
      : k.endsWith(NATIVE_STEP)
        ? `${k.slice(0, -NATIVE_STEP.length)} kernels with dflsim's native training step`
        : `${k} kernels`;
  const advice =
    c === 'wasm'
      ? 'build the native kernels here (npm install with a C compiler; see scripts/build-native.mjs), or use --force to start over'
      : w === 'wasm'
        ? 'resume with DFLSIM_NATIVE=0, or use --force to start over'
        : w === 'native'
          ? 'resume with the dflsim version that wrote it, or use --force to start over'
          : w.endsWith(NATIVE_STEP) && !c.endsWith(NATIVE_STEP)
            ? "the checkpoint's local steps ran through dflsim's native training step; resume where it is built and covers the model, or use --force to start over"
            : c.endsWith(NATIVE_STEP) && !w.endsWith(NATIVE_STEP)
              ? "the checkpoint's local steps ran through tf.layers (a model the native step did not cover, or an older dflsim); resume it with the dflsim that wrote it, or use --force to start over"
              : 'rebuild the native kernels (npm run build), or use --force to start over';
  throw new DflsimInputError(
    file,
    `the checkpoint was trained with the ${what(written)} and this run has the ${what(current)}, whose sums differ in the last bits: ${advice}`,
  );
}
