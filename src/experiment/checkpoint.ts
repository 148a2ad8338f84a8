/**
 * Checkpoints of a training run: the engine state (silo weights, optimizer states,
 * metrics so far) in one binary file, written atomically (a temporary file renamed over
 * the old one), so a run killed at any moment resumes from the last complete checkpoint.
 *
 * Layout: magic `DFLSIMCK`, a uint32 header length, the JSON header, padding to 4 bytes,
 * then per silo its weights, Adam m and Adam v as little-endian float32.
 */
import { existsSync, readFileSync, renameSync, writeFileSync, openSync, fsyncSync, closeSync } from 'node:fs';
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
}

/** Write `data` to `file` atomically (temporary file, fsync, rename). */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  const fd = openSync(tmp, 'r');
  try { fsyncSync(fd); } finally { closeSync(fd); }
  renameSync(tmp, file);
}

/** Serialise an engine state. */
export function encodeCheckpoint(state: EngineState, configHash: string): Uint8Array {
  const n = state.weights.length;
  const weightCount = state.weights[0].length;
  const paramCount = state.opt[0].m.length;
  const header: Header = {
    version: 1, configHash, round: state.round, done: state.done, wallMs: state.wallMs, simulatedMs: state.simulatedMs,
    silos: n, weightCount, paramCount, steps: state.opt.map((o) => o.step), metrics: state.metrics,
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
    f.set(state.weights[i], o); o += weightCount;
    f.set(state.opt[i].m, o); o += paramCount;
    f.set(state.opt[i].v, o); o += paramCount;
  }
  return buf;
}

/** Parse a checkpoint; `file` names it in errors. */
export function decodeCheckpoint(data: Uint8Array, file: string): { state: EngineState; configHash: string } {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (buf.length < 12 || buf.toString('ascii', 0, 8) !== MAGIC) throw new DflsimInputError(file, 'not a dflsim checkpoint');
  const len = buf.readUInt32LE(8);
  let h: Header;
  try { h = JSON.parse(buf.toString('utf8', 12, 12 + len)) as Header; } catch { throw new DflsimInputError(file, 'corrupt checkpoint header'); }
  const headLen = 12 + len;
  const pad = (4 - (headLen % 4)) % 4;
  const floats = h.silos * (h.weightCount + 2 * h.paramCount);
  if (buf.length !== headLen + pad + floats * 4) throw new DflsimInputError(file, `truncated checkpoint (${buf.length} bytes, expected ${headLen + pad + floats * 4})`);
  const copy = new Float32Array(floats);
  copy.set(new Float32Array(buf.buffer.slice(buf.byteOffset + headLen + pad, buf.byteOffset + headLen + pad + floats * 4)));
  const weights: Float32Array[] = [], opt: EngineState['opt'] = [];
  let o = 0;
  for (let i = 0; i < h.silos; i++) {
    weights.push(copy.slice(o, o + h.weightCount)); o += h.weightCount;
    const m = copy.slice(o, o + h.paramCount); o += h.paramCount;
    const v = copy.slice(o, o + h.paramCount); o += h.paramCount;
    opt.push({ m, v, step: h.steps[i] });
  }
  return {
    configHash: h.configHash,
    state: { round: h.round, done: h.done, wallMs: h.wallMs, simulatedMs: h.simulatedMs, weights, opt, metrics: h.metrics },
  };
}

/** Read a checkpoint file, or undefined when there is none. */
export function readCheckpoint(file: string): { state: EngineState; configHash: string } | undefined {
  if (!existsSync(file)) return undefined;
  return decodeCheckpoint(readFileSync(file), file);
}
