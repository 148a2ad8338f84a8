/**
 * One run across machines (`distributeSilos: true` with `--queue`): each round the
 * coordinator (the `dflsim run` process) splits the round's silo jobs into groups, puts each
 * group's weights, Adam moments and batches in Redis as one binary blob, and queues one
 * `train-silos` job per group; `dflsim worker` processes train the groups and put the new
 * states back. The coordinator keeps the schedule, mixing, evaluation, metrics and
 * checkpoints, so a run is the same bits as a local one: a silo's local training is a pure
 * function of its job, and results come back in silo order whatever the grouping.
 *
 * A worker checks a group job before it trains anything: version, kind, model name, trainer
 * options (plain numbers and booleans only), blob keys in dflsim's namespace, and a blob that
 * decodes to arrays of the sizes the model has. A worker that dies mid-group loses nothing:
 * its lock expires and another worker trains the group again from the same blob.
 */
import { randomUUID } from 'node:crypto';
import { Queue, QueueEvents, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { BACKEND_CHOICES, type BackendChoice } from '../../learning/tf/backend.js';
import { MODEL_NAMES } from '../../learning/tf/models/registry.js';
import type { Batch, LocalTrainer, LocalTrainResult, SiloJob } from '../../learning/trainer.js';
import { connectionOptions, openConnection } from './connection.js';
import { RefusedJobError } from './job.js';

/** Name of the BullMQ queue of silo groups (apart from the runs' queue, so a worker busy with a run does not block them). */
export const SILO_QUEUE = 'dflsim-silos';

/** The kind of work of a group job. */
export const TRAIN_SILOS = 'train-silos';

/** Prefix of the blob keys (a job naming another key is refused). */
const BLOB_PREFIX = 'dflsim:silos:';

/** Blobs left behind by a coordinator that died expire after this (ms). */
const BLOB_TTL_MS = 3_600_000;

/** Model names a worker trains (the registry's). */
const MODELS: readonly string[] = MODEL_NAMES;

/** What a group job carries (its arrays are in the blob at `inKey`). */
export interface SiloGroupJob {
  dflsimVersion: string;
  kind: typeof TRAIN_SILOS;
  /** Registry model name. */
  model: string;
  /** Trainer options: numbers and booleans (and `adam`, numbers). */
  trainerOptions: Record<string, unknown>;
  backend?: BackendChoice;
  /** Redis key of the input blob, and where the worker writes its answer. */
  inKey: string;
  outKey: string;
}

// ---- the blob: a little-endian u32 header length, a JSON header, then float32 arrays ----

interface BlobHeader {
  /** Per array, its length (float32 elements), in order. */
  lengths: number[];
  /** Per silo: step, lr, seed, loss, and its batches' sizes. */
  silos: { step: number; lr?: number; seed?: number; loss?: number; batchSizes?: number[] }[];
}

function packBlob(header: BlobHeader, arrays: Float32Array[]): Buffer {
  const head = Buffer.from(JSON.stringify(header), 'utf8');
  const pad = (4 - ((4 + head.length) % 4)) % 4;
  const total = arrays.reduce((s, a) => s + a.byteLength, 0);
  const out = Buffer.allocUnsafe(4 + head.length + pad + total);
  out.writeUInt32LE(head.length + pad, 0);
  head.copy(out, 4);
  out.fill(0x20, 4 + head.length, 4 + head.length + pad); // JSON may end in spaces
  let off = 4 + head.length + pad;
  for (const a of arrays) {
    Buffer.from(a.buffer, a.byteOffset, a.byteLength).copy(out, off);
    off += a.byteLength;
  }
  return out;
}

function unpackBlob(buf: Buffer, where: string): { header: BlobHeader; arrays: Float32Array[] } {
  const bad = (why: string): never => { throw new RefusedJobError(`refused job: ${where}: ${why}`); };
  if (buf.length < 4) bad('blob too short');
  const headLen = buf.readUInt32LE(0);
  if (4 + headLen > buf.length) bad('header longer than the blob');
  let header: BlobHeader;
  try { header = JSON.parse(buf.subarray(4, 4 + headLen).toString('utf8')) as BlobHeader; } catch { return bad('header is not JSON'); }
  if (!header || !Array.isArray(header.lengths) || !Array.isArray(header.silos) || !header.lengths.every((n) => Number.isInteger(n) && n >= 0)) bad('header has no array lengths');
  const body = 4 + headLen;
  const total = header.lengths.reduce((s, n) => s + n * 4, 0);
  if (body + total !== buf.length) bad(`blob holds ${buf.length - body} bytes of arrays, the header says ${total}`);
  // one aligned copy of the body, then views into it
  const floats = new Float32Array(total / 4);
  new Uint8Array(floats.buffer).set(buf.subarray(body));
  const arrays: Float32Array[] = [];
  let off = 0;
  for (const n of header.lengths) { arrays.push(floats.subarray(off, off + n)); off += n; }
  return { header, arrays };
}

/** Pack a group's silo jobs: per silo weights, m, v, then each batch's x and y. */
export function packSiloJobs(jobs: readonly SiloJob[]): Buffer {
  const arrays: Float32Array[] = [];
  const silos = jobs.map((j) => {
    arrays.push(j.weights, j.optState.m, j.optState.v);
    for (const b of j.batches) arrays.push(b.x, b.y);
    return { step: j.optState.step, lr: j.lr, seed: j.seed, batchSizes: j.batches.map((b) => b.size) };
  });
  return packBlob({ lengths: arrays.map((a) => a.length), silos }, arrays);
}

/** Unpack a group's silo jobs (refused when the blob does not hold what its header says). */
export function unpackSiloJobs(buf: Buffer, where: string): SiloJob[] {
  const { header, arrays } = unpackBlob(buf, where);
  let k = 0;
  const next = (): Float32Array => arrays[k++] ?? (() => { throw new RefusedJobError(`refused job: ${where}: fewer arrays than silos need`); })();
  const jobs = header.silos.map((s) => {
    if (!Number.isInteger(s.step) || typeof s.lr !== 'number' || !Number.isFinite(s.lr) || typeof s.seed !== 'number' || !Array.isArray(s.batchSizes)) throw new RefusedJobError(`refused job: ${where}: a silo without step, lr, seed and batches`);
    const weights = next(), m = next(), v = next();
    const batches: Batch[] = s.batchSizes.map((size) => ({ x: next(), y: next(), size }));
    return { weights, optState: { m, v, step: s.step }, batches, lr: s.lr, seed: s.seed };
  });
  if (k !== arrays.length) throw new RefusedJobError(`refused job: ${where}: more arrays than silos need`);
  return jobs;
}

/** Pack trained states: per silo weights, m, v (step and loss in the header). */
export function packSiloResults(results: readonly LocalTrainResult[]): Buffer {
  const arrays = results.flatMap((r) => [r.weights, r.optState.m, r.optState.v]);
  return packBlob({ lengths: arrays.map((a) => a.length), silos: results.map((r) => ({ step: r.optState.step, loss: r.loss })) }, arrays);
}

/** Unpack trained states. */
export function unpackSiloResults(buf: Buffer, where: string): LocalTrainResult[] {
  const { header, arrays } = unpackBlob(buf, where);
  if (arrays.length !== 3 * header.silos.length) throw new Error(`${where}: ${arrays.length} arrays for ${header.silos.length} silos`);
  return header.silos.map((s, i) => ({ weights: arrays[3 * i], optState: { m: arrays[3 * i + 1], v: arrays[3 * i + 2], step: s.step }, loss: s.loss ?? NaN }));
}

/** Contiguous groups of `n` items, as even as can be: `groups` of them (fewer if n is smaller). */
export function splitGroups(n: number, groups: number): [number, number][] {
  const g = Math.max(1, Math.min(groups, n));
  return Array.from({ length: g }, (_, i) => [Math.floor((i * n) / g), Math.floor(((i + 1) * n) / g)] as [number, number]);
}

/** Check a group job's fields (not its blob) before anything runs. */
export function checkSiloGroupJob(raw: unknown, version: string): SiloGroupJob {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new RefusedJobError('refused job: not an object');
  const j = raw as Partial<SiloGroupJob>;
  if (j.dflsimVersion !== version) throw new RefusedJobError(`refused job: it was queued by dflsim ${String(j.dflsimVersion)}, this worker is dflsim ${version} (run the same version on every machine)`);
  if (j.kind !== TRAIN_SILOS) throw new RefusedJobError(`refused job: unknown kind of work ${JSON.stringify(j.kind)} (this queue runs "${TRAIN_SILOS}")`);
  if (typeof j.model !== 'string' || !MODELS.includes(j.model)) throw new RefusedJobError(`refused job: unknown model ${JSON.stringify(j.model)} (known: ${MODELS.join(', ')})`);
  const plain = (o: unknown, depth: number): boolean => !!o && typeof o === 'object' && !Array.isArray(o)
    && Object.values(o).every((v) => (typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean' || (depth > 0 && plain(v, depth - 1)));
  if (!plain(j.trainerOptions, 1)) throw new RefusedJobError('refused job: trainerOptions must hold numbers and booleans only');
  if (j.backend !== undefined && !(BACKEND_CHOICES as readonly string[]).includes(j.backend)) throw new RefusedJobError(`refused job: unknown backend ${JSON.stringify(j.backend)}`);
  const key = (k: unknown): boolean => typeof k === 'string' && k.startsWith(BLOB_PREFIX) && /^[A-Za-z0-9:_-]+$/.test(k);
  if (!key(j.inKey) || !key(j.outKey)) throw new RefusedJobError(`refused job: blob keys must be under ${BLOB_PREFIX}`);
  return j as SiloGroupJob;
}

/**
 * Train a checked group job with `trainer` (the worker's, for this model): read the blob,
 * check its arrays against the model's sizes, train silo after silo, write the answer.
 */
export async function trainSiloGroup(job: SiloGroupJob, redis: Redis, trainer: LocalTrainer): Promise<{ silos: number }> {
  const buf = await redis.getBuffer(job.inKey);
  if (!buf) throw new Error(`the group's blob ${job.inKey} is gone (its coordinator stopped?)`);
  const jobs = unpackSiloJobs(buf, job.inKey);
  for (const s of jobs) {
    if (s.weights.length !== trainer.weightCount || s.optState.m.length !== trainer.paramCount || s.optState.v.length !== trainer.paramCount) {
      throw new RefusedJobError(`refused job: ${job.inKey}: arrays of ${s.weights.length}/${s.optState.m.length} values, the model ${job.model} has ${trainer.weightCount} weights and ${trainer.paramCount} parameters`);
    }
  }
  // the unpacked arrays are this worker's own: train in place
  const results = jobs.map((s) => trainer.train(s.weights, s.optState, s.batches, s.lr, s.seed, true));
  await redis.set(job.outKey, packSiloResults(results), 'PX', BLOB_TTL_MS);
  return { silos: jobs.length };
}

/** Options of {@link createRemoteTrainMany}. */
export interface RemoteSilosOptions {
  url: string;
  version: string;
  model: string;
  trainerOptions: Record<string, unknown>;
  backend?: BackendChoice;
  /** Groups per round (default: the workers on the queue when the run starts, at least 1). */
  groups?: number;
}

/** A `trainMany` that trains silo groups on the queue's workers. */
export interface RemoteSilos {
  readonly groups: number;
  trainMany(jobs: SiloJob[]): Promise<LocalTrainResult[]>;
  close(): Promise<void>;
}

/** Start the coordinator's side of `distributeSilos`. */
export async function createRemoteTrainMany(opts: RemoteSilosOptions): Promise<RemoteSilos> {
  const connection = { url: opts.url, ...connectionOptions() };
  const queue = new Queue(SILO_QUEUE, { connection });
  const events = new QueueEvents(SILO_QUEUE, { connection });
  const redis = openConnection(opts.url);
  redis.on('error', () => { /* reconnects */ });
  queue.on('error', () => {});
  events.on('error', () => {});
  await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
  const groups = opts.groups ?? Math.max(1, (await queue.getWorkers()).length);
  const run = randomUUID();
  let round = 0;
  return {
    groups,
    async trainMany(jobs) {
      const r = round++;
      const parts = splitGroups(jobs.length, groups);
      const answers = await Promise.all(parts.map(async ([a, b], g) => {
        const inKey = `${BLOB_PREFIX}${run}:${r}:${g}:in`, outKey = `${BLOB_PREFIX}${run}:${r}:${g}:out`;
        await redis.set(inKey, packSiloJobs(jobs.slice(a, b)), 'PX', BLOB_TTL_MS);
        const data: SiloGroupJob = { dflsimVersion: opts.version, kind: TRAIN_SILOS, model: opts.model, trainerOptions: opts.trainerOptions, ...(opts.backend ? { backend: opts.backend } : {}), inKey, outKey };
        const job: Job = await queue.add(TRAIN_SILOS, data, { jobId: `silos-${run}-${r}-${g}`, attempts: 5, backoff: { type: 'fixed', delay: 500 }, removeOnComplete: { count: 1000 }, removeOnFail: 100 });
        try {
          await job.waitUntilFinished(events);
        } catch (e) {
          throw new Error(`silo group ${g} of round ${r + 1} failed on a worker: ${(e as Error).message.replace(/^\[input\] /, '')}`);
        }
        const out = await redis.getBuffer(outKey);
        await redis.del(inKey, outKey);
        await job.remove().catch(() => { /* kept until BullMQ trims it */ });
        if (!out) throw new Error(`silo group ${g} of round ${r + 1}: the worker's answer is missing`);
        return unpackSiloResults(out, outKey);
      }));
      return answers.flat();
    },
    async close() {
      await Promise.allSettled([queue.close(), events.close()]);
      redis.disconnect();
    },
  };
}
