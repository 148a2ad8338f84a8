/**
 * A TensorFlow.js LayersModel read from files: the `model.json` (topology and
 * `weightsManifest`) and weight shards that `model.save()` (tfjs-node's `file://`, or a
 * custom save handler) and `tensorflowjs_converter` (from Keras) write, read from disk by a
 * small IOHandler (dflsim runs on the pure `@tensorflow/tfjs` package, which has no file
 * system handler).
 *
 * The files are input from a stranger: `model.json` is at most {@link MAX_MODEL_JSON_BYTES};
 * every shard path stays inside the model's folder (no `..`, no absolute path, no symbolic
 * link leading out), the weights total at most {@link MAX_MODEL_WEIGHT_BYTES}, each shard
 * group holds exactly the bytes its manifest's weights need, and a layer class TensorFlow.js
 * cannot build (a Keras `Lambda`: Python code) is refused naming the layer.
 */
import { lstatSync, readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { DflsimInputError } from '../../../errors.js';

/** Largest `model.json` read (bytes): 64 MiB (a topology is kilobytes; a manifest of thousands of weights, megabytes). */
export const MAX_MODEL_JSON_BYTES = 64 * 1024 * 1024;
/** Largest total of weight shards read (bytes): 1 GiB. */
export const MAX_MODEL_WEIGHT_BYTES = 1024 * 1024 * 1024;

/** Bytes per element of a manifest dtype (of the stored, possibly quantized, values). */
const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };

interface ManifestWeight {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype?: string };
}

/** What {@link readModelFile} returns: the artifacts tf.loadLayersModel takes, and where they came from. */
export interface ModelFileArtifacts {
  /** The model.json path (real path). */
  file: string;
  artifacts: tf.io.ModelArtifacts;
}

/** A path string shown in a message: quoted, at most 120 characters. */
function show(p: unknown): string {
  const s = JSON.stringify(typeof p === 'string' ? p : String(p));
  return s.length > 120 ? `${s.slice(0, 117)}..."` : s;
}

/** Every layer of a Keras / tf.layers topology (nested models and wrapped layers too), with its JSON path. */
function layersOf(node: unknown, at: string, out: { className: string; name: string; at: string }[]): void {
  if (!node || typeof node !== 'object') return;
  const n = node as { class_name?: unknown; config?: unknown };
  const cfg = n.config as { layers?: unknown; layer?: unknown; name?: unknown } | undefined;
  if (!cfg || typeof cfg !== 'object') return;
  if (Array.isArray(cfg.layers)) {
    cfg.layers.forEach((l, i) => {
      const layer = l as { class_name?: unknown; config?: { name?: unknown } };
      const where = `${at}.config.layers[${i}]`;
      out.push({
        className: String(layer?.class_name),
        name: typeof layer?.config?.name === 'string' ? layer.config.name : `#${i}`,
        at: where,
      });
      layersOf(layer, where, out);
    });
  }
  // wrappers (TimeDistributed, Bidirectional) hold one layer
  if (cfg.layer && typeof cfg.layer === 'object') {
    const inner = cfg.layer as { class_name?: unknown; config?: { name?: unknown } };
    out.push({
      className: String(inner.class_name),
      name: typeof inner.config?.name === 'string' ? inner.config.name : `${String(cfg.name)}.layer`,
      at: `${at}.config.layer`,
    });
    layersOf(inner, `${at}.config.layer`, out);
  }
}

/**
 * Read and check a model.json and its shards (nothing is built).
 * @param file the model.json path
 * @param where the config field it came from (`exp.json: model.path`), prefixed to errors
 */
export function readModelFile(file: string, where: string): ModelFileArtifacts {
  const fail = (what: string, at = file): never => {
    throw new DflsimInputError(where, `${at}: ${what}`);
  };
  let real: string;
  try {
    real = realpathSync(file);
  } catch {
    return fail('not found');
  }
  const st = statSync(real);
  if (!st.isFile()) fail('is not a file');
  if (st.size > MAX_MODEL_JSON_BYTES) fail(`holds ${st.size} bytes, above the maximum of ${MAX_MODEL_JSON_BYTES} for a model.json`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(real, 'utf8'));
  } catch (e) {
    return fail(`is not JSON (${(e as Error).message})`);
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) fail('is not a JSON object (a model.json)');
  const m = json as { modelTopology?: unknown; weightsManifest?: unknown; format?: unknown; generatedBy?: unknown; convertedBy?: unknown };
  if (!m.modelTopology || typeof m.modelTopology !== 'object') fail('modelTopology: missing (not a TensorFlow.js LayersModel file)');
  if (m.format !== undefined && m.format !== 'layers-model')
    fail(`format: ${show(m.format)} is not "layers-model" (a graph model cannot be trained; convert the Keras model as a layers model)`);
  // the topology: every layer's class must be one TensorFlow.js can build
  const topo = m.modelTopology as { model_config?: unknown };
  const root = topo.model_config && typeof topo.model_config === 'object' ? topo.model_config : topo;
  const known = tf.serialization.SerializationMap.getMap().classNameMap;
  const layers: { className: string; name: string; at: string }[] = [];
  layersOf(root, topo.model_config ? 'modelTopology.model_config' : 'modelTopology', layers);
  for (const l of layers) {
    if (!Object.prototype.hasOwnProperty.call(known, l.className))
      fail(
        `${l.at}: layer ${show(l.name)} has class ${show(l.className)}, which TensorFlow.js cannot build${l.className === 'Lambda' ? ' (a Keras Lambda runs Python code: replace it by built-in layers)' : ''}`,
      );
  }
  // the manifest: shard paths inside the folder, sizes bounded and as the weights need
  if (!Array.isArray(m.weightsManifest)) fail('weightsManifest: missing or not a list (the model has no weights)');
  const dir = path.dirname(real);
  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: Buffer[] = [];
  let total = 0;
  (m.weightsManifest as unknown[]).forEach((g, gi) => {
    const group = g as { paths?: unknown; weights?: unknown };
    const at = `weightsManifest[${gi}]`;
    if (!group || typeof group !== 'object' || !Array.isArray(group.paths) || !Array.isArray(group.weights))
      fail(`${at}: expected {"paths": [...], "weights": [...]}`);
    // the bytes each weight of the group takes, in order
    const weights = (group.weights as unknown[]).map((w, wi) => {
      const x = w as ManifestWeight;
      const wat = `${at}.weights[${wi}]`;
      if (!x || typeof x.name !== 'string' || !Array.isArray(x.shape) || typeof x.dtype !== 'string')
        fail(`${wat}: expected {"name", "shape", "dtype"}`);
      if (!x.shape.every((d) => Number.isInteger(d) && d >= 0))
        fail(`${wat} (${show(x.name)}): shape ${JSON.stringify(x.shape)} is not a list of sizes`);
      const stored = x.quantization?.dtype ?? x.dtype;
      const per = DTYPE_BYTES[stored];
      if (per === undefined) fail(`${wat} (${show(x.name)}): dtype ${show(stored)} is not one of ${Object.keys(DTYPE_BYTES).join(', ')}`);
      const bytes = x.shape.reduce((a, b) => a * b, 1) * per!;
      if (!(bytes <= MAX_MODEL_WEIGHT_BYTES))
        fail(
          `${wat} (${show(x.name)}): shape ${JSON.stringify(x.shape)} is above the maximum of ${MAX_MODEL_WEIGHT_BYTES} bytes of weights`,
        );
      return { name: x.name, bytes };
    });
    const need = weights.reduce((a, w) => a + w.bytes, 0);
    const shards = (group.paths as unknown[]).map((p, pi) => {
      const pat = `${at}.paths[${pi}]`;
      if (typeof p !== 'string' || p === '') return fail(`${pat}: not a file name`);
      const parts = p.split(/[\\/]/);
      if (path.isAbsolute(p) || /^[A-Za-z]:/.test(p) || /^[a-z][a-z0-9+.-]*:\/\//i.test(p) || parts.includes('..'))
        fail(`${pat}: ${show(p)} leaves the model's folder ${dir} (shard paths are relative to model.json, without "..")`);
      const shard = path.resolve(dir, p);
      let shardReal: string;
      try {
        shardReal = realpathSync(shard);
      } catch {
        return fail(`${pat}: shard ${show(p)} not found (${shard})`);
      }
      const rel = path.relative(dir, shardReal);
      if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel))
        fail(`${pat}: shard ${show(p)} leads out of the model's folder ${dir} (a symbolic link to ${shardReal})`);
      const s = lstatSync(shardReal);
      if (!s.isFile()) fail(`${pat}: shard ${show(p)} is not a file`);
      total += s.size;
      if (total > MAX_MODEL_WEIGHT_BYTES)
        fail(`${pat}: the shards hold more than the maximum of ${MAX_MODEL_WEIGHT_BYTES} bytes of weights`);
      return { file: shard, size: s.size };
    });
    const have = shards.reduce((a, s) => a + s.size, 0);
    if (have !== need) {
      // the weight whose bytes are missing (or the group's last shard when there are extra bytes)
      let off = 0;
      const short = weights.find((w) => (off += w.bytes) > have);
      const start = short ? off - short.bytes : 0;
      const last = shards[shards.length - 1]?.file ?? file;
      if (short)
        fail(
          `${at}: the shards hold ${have} bytes, the weights need ${need}: shard ${path.basename(last)} is too short for weight ${show(short.name)} (bytes ${start}..${off} of the group)`,
          last,
        );
      fail(`${at}: the shards hold ${have} bytes, ${have - need} more than the weights need (${need})`, last);
    }
    for (const s of shards) buffers.push(readFileSync(s.file));
    specs.push(...(group.weights as tf.io.WeightsManifestEntry[]));
  });
  const all = Buffer.concat(buffers);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer;
  return {
    file: real,
    artifacts: {
      modelTopology: m.modelTopology as tf.io.ModelArtifacts['modelTopology'],
      weightSpecs: specs,
      weightData,
      format: 'layers-model',
      ...(typeof m.generatedBy === 'string' ? { generatedBy: m.generatedBy } : {}),
      ...(typeof m.convertedBy === 'string' ? { convertedBy: m.convertedBy } : {}),
    },
  };
}

/**
 * Load a LayersModel from a model.json and its shards through a small IOHandler.
 * @param where the config field it came from, prefixed to errors
 */
export async function loadModelFile(file: string, where: string): Promise<tf.LayersModel> {
  const { file: real, artifacts } = readModelFile(file, where);
  const handler: tf.io.IOHandler = { load: async () => artifacts };
  try {
    return await tf.loadLayersModel(handler);
  } catch (e) {
    throw new DflsimInputError(where, `${real}: TensorFlow.js cannot build it: ${(e as Error).message}`);
  }
}
