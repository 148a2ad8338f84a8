/**
 * One run across machines (`distributeSilos: true` with `--queue`): each round the
 * coordinator (the `dflsim run` process) splits the round's silo jobs into groups, puts each
 * group's weights, Adam moments and batches in Redis as one binary blob, and queues one
 * `train-silos` job per group; `dflsim worker` processes train the groups and put the new
 * states back. The coordinator keeps the schedule, mixing, evaluation, metrics and
 * checkpoints, so a run is the same bits as a local one: a silo's local training is a pure
 * function of its job, and results come back in silo order whatever the grouping.
 *
 * A worker checks a group job before it trains anything: its id, size, signature (with a
 * queue secret), build, prefix and kind; its model with the config schema (so its size is
 * bounded); blob keys that its id names; a blob of a bounded size whose hash the job names,
 * and that decodes to arrays of the sizes the model has. A worker that dies mid-group loses
 * nothing: its lock expires and another worker trains the group again from the same blob.
 */
import { randomUUID } from 'node:crypto';
import { Queue, QueueEvents, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { DflsimInputError } from '../../errors.js';
import { BACKEND_CHOICES, type BackendChoice } from '../../learning/tf/backend.js';
import type { Batch, LocalTrainer, LocalTrainResult, SiloJob } from '../../learning/trainer.js';
import { validateConfig } from '../config.js';
import { isBuiltinModel, type LossName } from '../../learning/model-registry.js';
import { buildId } from './build.js';
import { answered, bullOptions, describeRedisError, openConnection, Silent } from './connection.js';
import { checkEnvelope, RefusedJobError, type JobCheck } from './job.js';
import { BLOB_TTL_MS, jsonBytes, MAX_BLOB_BYTES, MAX_SILO_JOB_BYTES, mib } from './limits.js';
import { queueKeys, showId, SILO_JOB_ID, SILOS_QUEUE, type QueueTarget } from './names.js';
import { NO_SECRET_WARNING, sha256Hex, signJob, signSiloAnswer, siloAnswerSigned } from './sign.js';
import { redactUrl } from './url.js';

/** The kind of work of a group job. */
export const TRAIN_SILOS = 'train-silos';

/** A silo group's model, as the run's config gives it (checked with the config schema). */
export interface SiloModel {
  /** A built-in model (silo workers build no other). */
  name: string;
  /** Pixels a side. */
  inputSize: number;
  /** The config's `model.loss`, when it sets one. */
  loss?: LossName;
}

/** What a group job carries (its arrays are in the blob at `inKey`). */
export interface SiloGroupJob {
  /** The coordinator's build. */
  build: string;
  kind: typeof TRAIN_SILOS;
  /** The queue prefix it was queued under. */
  prefix: string;
  /** The run config's model. */
  model: SiloModel;
  /** Whether the run trains on characters (classification) rather than driving frames. */
  characters: boolean;
  backend?: BackendChoice;
  /** Redis key of the input blob, and where the worker writes its answer (both named by the job id). */
  inKey: string;
  outKey: string;
  /** SHA-256 of the input blob. */
  inSha256: string;
  /** HMAC of the rest under the queue's secret (absent without one). */
  sig?: string;
}

/** What a worker returns for a group: the silos trained and its answer's hash, signed with a queue secret. */
export interface SiloGroupAnswer {
  silos: number;
  outSha256: string;
  sig?: string;
}

/** The blob keys of a group job: `<prefix>:blob:<run>:<round>:<group>:in|out`, from its id `silos-<run>-<round>-<group>`. */
export function siloBlobKeys(prefix: string, jobId: string): { inKey: string; outKey: string } {
  const m = /^silos-(.+)-(\d+)-(\d+)$/.exec(jobId);
  const stem = `${queueKeys(prefix).blobPrefix}${m ? `${m[1]}:${m[2]}:${m[3]}` : 'none'}`;
  return { inKey: `${stem}:in`, outKey: `${stem}:out` };
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
  const bad = (why: string): never => {
    throw new RefusedJobError(`refused job: ${where}: ${why}`);
  };
  if (buf.length < 4) bad('blob too short');
  const headLen = buf.readUInt32LE(0);
  if (4 + headLen > buf.length) bad('header longer than the blob');
  let header: BlobHeader;
  try {
    header = JSON.parse(buf.subarray(4, 4 + headLen).toString('utf8')) as BlobHeader;
  } catch {
    return bad('header is not JSON');
  }
  if (
    !header ||
    !Array.isArray(header.lengths) ||
    !Array.isArray(header.silos) ||
    !header.lengths.every((n) => Number.isInteger(n) && n >= 0)
  )
    bad('header has no array lengths');
  const body = 4 + headLen;
  const total = header.lengths.reduce((s, n) => s + n * 4, 0);
  if (body + total !== buf.length) bad(`blob holds ${buf.length - body} bytes of arrays, the header says ${total}`);
  // one aligned copy of the body, then views into it
  const floats = new Float32Array(total / 4);
  new Uint8Array(floats.buffer).set(buf.subarray(body));
  const arrays: Float32Array[] = [];
  let off = 0;
  for (const n of header.lengths) {
    arrays.push(floats.subarray(off, off + n));
    off += n;
  }
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
  const next = (): Float32Array =>
    arrays[k++] ??
    (() => {
      throw new RefusedJobError(`refused job: ${where}: fewer arrays than silos need`);
    })();
  const jobs = header.silos.map((s) => {
    if (
      !Number.isInteger(s.step) ||
      typeof s.lr !== 'number' ||
      !Number.isFinite(s.lr) ||
      typeof s.seed !== 'number' ||
      !Array.isArray(s.batchSizes)
    )
      throw new RefusedJobError(`refused job: ${where}: a silo without step, lr, seed and batches`);
    const weights = next(),
      m = next(),
      v = next();
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
  return header.silos.map((s, i) => ({
    weights: arrays[3 * i],
    optState: { m: arrays[3 * i + 1], v: arrays[3 * i + 2], step: s.step },
    loss: s.loss ?? NaN,
  }));
}

/** Contiguous groups of `n` items, as even as can be: `groups` of them (fewer if n is smaller). */
export function splitGroups(n: number, groups: number): [number, number][] {
  const g = Math.max(1, Math.min(groups, n));
  return Array.from({ length: g }, (_, i) => [Math.floor((i * n) / g), Math.floor(((i + 1) * n) / g)] as [number, number]);
}

/**
 * Check a group job's fields (not its blob) before anything runs.
 * @param id the job's id (from Redis)
 * @throws RefusedJobError
 */
export function checkSiloGroupJob(raw: unknown, id: string, check: JobCheck): SiloGroupJob {
  if (!SILO_JOB_ID.test(id))
    throw new RefusedJobError(`refused job ${showId(id)}: not a dflsim silo group id (silos-<uuid>-<round>-<group>)`);
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new RefusedJobError('refused job: not an object');
  if (jsonBytes(raw, MAX_SILO_JOB_BYTES) > MAX_SILO_JOB_BYTES)
    throw new RefusedJobError(
      `refused job: it holds more than ${MAX_SILO_JOB_BYTES / 1024} KiB, the queue's maximum for a silo group job (its arrays travel in the blob)`,
    );
  const j = raw as Partial<SiloGroupJob>;
  checkEnvelope(j, id, check);
  if (j.kind !== TRAIN_SILOS)
    throw new RefusedJobError(`refused job: unknown kind of work ${JSON.stringify(j.kind)} (this queue runs "${TRAIN_SILOS}")`);
  if (typeof j.characters !== 'boolean') throw new RefusedJobError('refused job: "characters" is not true or false');
  // the model as a run config holds it, checked by the config schema (names, sizes, and the
  // model-dataset rules): a model too large to build is refused, not built
  try {
    const cfg = validateConfig(
      {
        kind: 'train',
        network: 'silo-job',
        model: j.model,
        dataset: { kind: j.characters ? 'synthetic-characters' : 'synthetic-driving' },
      },
      'silo job',
    );
    const given = j.model as SiloModel;
    if (
      cfg.kind !== 'train' ||
      JSON.stringify(cfg.model) !==
        JSON.stringify({ name: given.name, inputSize: given.inputSize, ...(given.loss !== undefined ? { loss: given.loss } : {}) })
    )
      throw new DflsimInputError('silo job: model', 'not a name, inputSize and loss');
    if (!isBuiltinModel(given.name)) throw new DflsimInputError('silo job: model.name', `"${given.name}" is not a built-in model`);
  } catch (e) {
    if (e instanceof DflsimInputError) throw new RefusedJobError(`refused job: ${e.message.replace(/\n\s*/g, ' ')}`);
    throw e;
  }
  if (j.backend !== undefined && !(BACKEND_CHOICES as readonly string[]).includes(j.backend))
    throw new RefusedJobError(`refused job: unknown backend ${JSON.stringify(j.backend)}`);
  const keys = siloBlobKeys(check.prefix, id);
  if (j.inKey !== keys.inKey || j.outKey !== keys.outKey)
    throw new RefusedJobError(`refused job: its blob keys are not ${keys.inKey} and ${keys.outKey} (the ones its id names)`);
  if (typeof j.inSha256 !== 'string' || !/^[0-9a-f]{64}$/.test(j.inSha256))
    throw new RefusedJobError('refused job: "inSha256" is not a SHA-256 in hex');
  return j as SiloGroupJob;
}

/** Whether a silo job's model and data give `trainer`'s sizes (its cache key: the seed does not matter, each silo reseeds). */
export function siloTrainerKey(job: Pick<SiloGroupJob, 'model' | 'characters' | 'backend'>): string {
  return JSON.stringify([job.model.name, job.model.inputSize, job.model.loss ?? null, job.characters, job.backend ?? 'auto']);
}

/**
 * Train a checked group job with `trainer` (the worker's, for this model): read the blob
 * (refused above {@link MAX_BLOB_BYTES}, or when its hash is not the job's), check its arrays
 * against the model's sizes, train silo after silo, write the answer and return its hash,
 * signed with the queue's secret.
 */
export async function trainSiloGroup(
  job: SiloGroupJob,
  jobId: string,
  redis: Redis,
  trainer: LocalTrainer,
  target: Pick<QueueTarget, 'prefix' | 'secret'>,
): Promise<SiloGroupAnswer> {
  const size = await redis.strlen(job.inKey);
  if (size > MAX_BLOB_BYTES)
    throw new RefusedJobError(`refused job: its blob ${job.inKey} holds ${mib(size)}, above the queue's maximum of ${mib(MAX_BLOB_BYTES)}`);
  const buf = await redis.getBuffer(job.inKey);
  if (!buf) throw new Error(`the group's blob ${job.inKey} is gone (its coordinator stopped?)`);
  if (sha256Hex(buf) !== job.inSha256)
    throw new RefusedJobError(`refused job: the blob ${job.inKey} is not the one the job names (its SHA-256 differs)`);
  const jobs = unpackSiloJobs(buf, job.inKey);
  for (const s of jobs) {
    if (
      s.weights.length !== trainer.weightCount ||
      s.optState.m.length !== trainer.paramCount ||
      s.optState.v.length !== trainer.paramCount
    ) {
      throw new RefusedJobError(
        `refused job: ${job.inKey}: arrays of ${s.weights.length}/${s.optState.m.length} values, the model ${job.model.name} has ${trainer.weightCount} weights and ${trainer.paramCount} parameters`,
      );
    }
  }
  // the unpacked arrays are this worker's own: train in place
  const results = jobs.map((s) => trainer.train(s.weights, s.optState, s.batches, s.lr, s.seed, true));
  const out = packSiloResults(results);
  await redis.set(job.outKey, out, 'PX', BLOB_TTL_MS);
  const outSha256 = sha256Hex(out);
  return {
    silos: jobs.length,
    outSha256,
    ...(target.secret ? { sig: signSiloAnswer(target.secret, target.prefix, jobId, job.outKey, outSha256) } : {}),
  };
}

/** Options of {@link createRemoteTrainMany}. */
export interface RemoteSilosOptions {
  target: QueueTarget;
  model: SiloModel;
  characters: boolean;
  backend?: BackendChoice;
  /** Groups per round (default: the workers on the queue's prefix when the run starts, at least 1). */
  groups?: number;
  /** How long to wait for an unreachable Redis before giving up (ms; default {@link SILO_OUTAGE_MS}). */
  outageMs?: number;
  log?: (line: string) => void;
}

/** A `trainMany` that trains silo groups on the queue's workers. */
export interface RemoteSilos {
  readonly groups: number;
  trainMany(jobs: SiloJob[]): Promise<LocalTrainResult[]>;
  close(): Promise<void>;
}

/** How long a distributed run waits for an unreachable Redis (ms): 5 minutes. */
export const SILO_OUTAGE_MS = 300_000;

/** A group job that vanished from Redis (restarted without persistence) is queued again at most this often. */
const MAX_REQUEUES = 10;

/** Start the coordinator's side of `distributeSilos`. */
export async function createRemoteTrainMany(opts: RemoteSilosOptions): Promise<RemoteSilos> {
  const { target } = opts;
  const build = buildId();
  const queue = new Queue(SILOS_QUEUE, bullOptions(target));
  const events = new QueueEvents(SILOS_QUEUE, bullOptions(target));
  const redis = openConnection(target.url);
  redis.on('error', () => {
    /* reconnects */
  });
  queue.on('error', () => {});
  events.on('error', () => {});
  const noPerm = (e: unknown): never => {
    // a Redis user without a permission the queue needs: say which, not "unexpected error"
    if (e instanceof Error && /^NOPERM/.test(e.message)) throw new DflsimInputError(target.where, describeRedisError(e, target.url));
    throw e;
  };
  await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]).catch(noPerm);
  let groups = opts.groups;
  if (groups === undefined) {
    try {
      groups = Math.max(1, (await queue.getWorkers()).length);
    } catch (e) {
      if (!(e instanceof Error && /^NOPERM/.test(e.message))) throw e;
      groups = 1;
      opts.log?.(
        'the Redis user may not list clients (CLIENT LIST), so the workers cannot be counted: the silos go in 1 group; set "siloGroups" in the config',
      );
    }
  }
  if (!target.secret) opts.log?.(NO_SECRET_WARNING);
  const groupCount: number = groups;
  const run = randomUUID();
  const outageMs = opts.outageMs ?? SILO_OUTAGE_MS;
  let round = 0;

  /** Put a group's blob and job in Redis (again, after a restart lost them). */
  const put = async (id: string, blob: Buffer, data: SiloGroupJob): Promise<Job> => {
    await redis.set(data.inKey, blob, 'PX', BLOB_TTL_MS);
    return queue.add(TRAIN_SILOS, data, {
      jobId: id,
      attempts: 5,
      backoff: { type: 'fixed', delay: 500 },
      removeOnComplete: { age: 3600, count: 1000 },
      removeOnFail: { age: 7 * 24 * 3600, count: 1000 },
    });
  };

  /** Wait for a group job, putting it back when it vanished; its answer, checked. */
  const finish = async (id: string, blob: Buffer, data: SiloGroupJob, where: string): Promise<SiloGroupAnswer> => {
    let job = await put(id, blob, data);
    const done = job.waitUntilFinished(events) as Promise<SiloGroupAnswer>;
    done.catch(() => {
      /* read below */
    });
    let requeues = 0,
      silentSince: number | undefined;
    for (;;) {
      const tick = new Promise<'tick'>((r) => setTimeout(() => r('tick'), 2000));
      let answer: SiloGroupAnswer | 'tick';
      try {
        answer = await Promise.race([done, tick]);
      } catch (e) {
        throw new Error(`${where} failed on a worker: ${(e as Error).message.replace(/^\[input\] /, '')}`);
      }
      if (answer !== 'tick') return answer;
      try {
        if (redis.status !== 'ready') throw new Silent(`connection ${redis.status}`);
        const state = await answered(queue.getJobState(id));
        // finished while the events stream missed it (a reconnect): read the job itself
        if (state === 'completed' || state === 'failed') {
          const fin = await answered(queue.getJob(id));
          if (fin && state === 'completed') return fin.returnvalue as SiloGroupAnswer;
          if (fin) throw new Error(`${where} failed on a worker: ${fin.failedReason.replace(/^\[input\] /, '')}`);
        }
        if (state === 'unknown') {
          // Redis restarted without persistence: the blob and the job are gone; put them back
          if (++requeues > MAX_REQUEUES) throw new Error(`${where}: its job left the queue ${MAX_REQUEUES} times`);
          opts.log?.(`${where}: its job is no longer in Redis (restarted without persistence?): queued again`);
          job = await answered(put(id, blob, data));
        }
        silentSince = undefined;
      } catch (e) {
        if (!(e instanceof Silent)) throw e;
        silentSince ??= Date.now();
        if (Date.now() - silentSince > outageMs)
          throw new DflsimInputError(
            target.where,
            `Redis at ${redactUrl(target.url)} has not answered for ${Math.round(outageMs / 1000)} s: stopped waiting for ${where} (the run's checkpoint in --out keeps its finished rounds: resume with --resume)`,
          );
      }
    }
  };

  return {
    groups: groupCount,
    async trainMany(jobs) {
      return trainRound(jobs).catch(noPerm);
    },
    async close() {
      await Promise.allSettled([queue.close(), events.close()]);
      redis.disconnect();
    },
  };

  async function trainRound(jobs: SiloJob[]): Promise<LocalTrainResult[]> {
    const r = round++;
    const parts = splitGroups(jobs.length, groupCount);
    const answers = await Promise.all(
      parts.map(async ([a, b], g) => {
        const id = `silos-${run}-${r}-${g}`;
        const where = `silo group ${g} of round ${r + 1}`;
        const { inKey, outKey } = siloBlobKeys(target.prefix, id);
        const blob = packSiloJobs(jobs.slice(a, b));
        const data: SiloGroupJob = {
          build,
          kind: TRAIN_SILOS,
          prefix: target.prefix,
          model: { name: opts.model.name, inputSize: opts.model.inputSize, ...(opts.model.loss ? { loss: opts.model.loss } : {}) },
          characters: opts.characters,
          ...(opts.backend ? { backend: opts.backend } : {}),
          inKey,
          outKey,
          inSha256: sha256Hex(blob),
        };
        if (target.secret) data.sig = signJob(target.secret, target.prefix, id, data);
        const answer = await finish(id, blob, data, where);
        const out = await redis.getBuffer(outKey);
        await redis.del(inKey, outKey);
        await queue.remove(id).catch(() => {
          /* kept until BullMQ trims it */
        });
        if (!out) throw new Error(`${where}: the worker's answer is missing`);
        // an answer that is not what a worker of this queue wrote is refused
        const sha = sha256Hex(out);
        if (!answer || answer.outSha256 !== sha)
          throw new DflsimInputError(
            target.where,
            `${where}: the answer in ${outKey} is not the one the worker reported (its SHA-256 differs): refused`,
          );
        if (target.secret && !siloAnswerSigned(target.secret, target.prefix, id, outKey, sha, answer.sig)) {
          throw new DflsimInputError(
            target.where,
            `${where}: the worker's answer is ${answer.sig === undefined ? 'not signed' : 'signed with another secret'}: refused (give every worker this queue's DFLSIM_QUEUE_SECRET or --queue-secret-file)`,
          );
        }
        return unpackSiloResults(out, outKey);
      }),
    );
    return answers.flat();
  }
}
