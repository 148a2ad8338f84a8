/**
 * `dflsim serve`: a local web app to explore networks, topologies, their rounds and short
 * training runs. Node's own `http`; a JSON API under `/api` whose bad requests get a 400
 * (413 for an oversized body) with `{error: "field: message"}`, never a stack trace; the
 * page's files from the package's `web/` folder. Everything the server writes or reads
 * back goes under its work directory; ids are generated here.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { DflsimInputError } from '../errors.js';
import { failureSchema, stragglerSchema, validateConfig, type TrainConfig } from '../experiment/config.js';
import { builtinNetworkNames, builtinUnderlay } from '../network/builtin.js';
import { displayLabel } from '../network/labels.js';
import { parseSiloProfileCsv, SILO_PROFILE_FIELDS, type SiloProfile } from '../network/silo-profile.js';
import { underlayFromGml, type Underlay } from '../network/underlay.js';
import { findTopology, topologyNames } from '../overlay/catalogue.js';
import { projectRoot } from '../project-root.js';
import { gbpsToBitsPerSec, latencyMsFromKm } from '../units.js';
import { apiMessage, TIMING_FIELDS, type ComputeJob, type TimingFields } from './compute.js';
import { ID_PATTERN, insideDir } from './paths.js';
import { TrainingRuns } from './training.js';

/** Largest request body (bytes): a GML upload or a JSON request. */

/** Host names of the loopback interface. */
const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost', '::1']);
export const MAX_BODY_BYTES = 5 * 1024 * 1024;

/** Options of {@link startServer}. */
export interface ServeOptions {
  /** Port (0: any free port). Default 8080. */
  port?: number;
  /** Interface to bind. Default 127.0.0.1 (loopback only). */
  host?: string;
  /** The server's work directory (uploads, runs); created if missing. */
  workDir: string;
  /** Largest request body (bytes), default {@link MAX_BODY_BYTES}. */
  maxBodyBytes?: number;
}

/** A running server. */
export interface RunningServer {
  /** `http://host:port`. */
  url: string;
  port: number;
  /** Stop accepting, end training runs and the compute thread. */
  close(): Promise<void>;
}

/** An API error: a status and a `field: message`. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.csv': 'text/csv; charset=utf-8',
  '.jsonl': 'application/x-ndjson',
  '.md': 'text/markdown; charset=utf-8',
};

/** The page's files: `web/` in the package. */
export function webDir(): string {
  return path.join(projectRoot(), 'web');
}

/** The compiled compute thread (under vitest the sources are .ts: dist/'s copy). */
function workerScript(): string {
  const here = fileURLToPath(new URL('./compute-worker.js', import.meta.url));
  if (existsSync(here)) return here;
  const dist = path.join(projectRoot(), 'dist', 'src', 'serve', 'compute-worker.js');
  if (existsSync(dist)) return dist;
  throw new Error(`cannot find the compute thread script (${here}); build with npm run build`);
}

/** One compute thread, jobs answered in order; restarted if it dies. */
class ComputeThread {
  private worker?: Worker;
  private next = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  private ensure(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(workerScript());
    w.on('message', (m: { id: number; result: { ok: boolean; value?: unknown; error?: string; input?: boolean } }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.result.ok) p.resolve(m.result.value);
      else p.reject(new HttpError(m.result.input ? 400 : 500, m.result.error ?? 'failed'));
    });
    const fail = (e: Error): void => {
      for (const p of this.pending.values()) p.reject(new HttpError(500, `compute thread failed: ${e.message}`));
      this.pending.clear();
      this.worker = undefined;
    };
    w.on('error', fail);
    w.on('exit', () => fail(new Error('exited')));
    this.worker = w;
    return w;
  }

  run(job: ComputeJob): Promise<unknown> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.ensure().postMessage({ id, job });
    });
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    if (w) await w.terminate();
  }
}

/** How the page draws a network: silos with positions, routers, links. */
export interface NetworkView {
  id: string;
  name: string;
  /** `geo`: x longitude, y latitude; `circle`: a unit circle (no coordinates). */
  layout: 'geo' | 'circle';
  silos: { name: string; label: string; x: number; y: number; computeMs?: number }[];
  routers: { name: string; x: number; y: number }[];
  links: [number, number][];
  /** Per link (as `links`): its length (km), its latency in the papers' model (ms) and its capacity (Gbit/s) when the network gives one. */
  linkInfo: { distanceKm: number; latencyMs: number; capacityGbps?: number }[];
}

/** A network as the page draws it. */
export function networkView(id: string, u: Underlay): NetworkView {
  const names = [...u.silos, ...(u.routers ?? [])];
  const geo = u.coordinates.length === names.length && u.coordinates.every((c) => c !== null);
  const pos = names.map((_, i) => {
    const c = u.coordinates[i];
    if (geo && c) return { x: c.longitude, y: c.latitude };
    const a = Math.PI / 2 - (2 * Math.PI * i) / Math.max(1, names.length);
    return { x: Math.cos(a), y: Math.sin(a) };
  });
  return {
    id,
    name: u.name,
    layout: geo ? 'geo' : 'circle',
    silos: u.silos.map((s, i) => ({
      name: s,
      label: displayLabel(s),
      ...pos[i],
      ...(u.siloAttributes?.[i]?.computeMs !== undefined ? { computeMs: u.siloAttributes[i].computeMs } : {}),
    })),
    routers: (u.routers ?? []).map((r, j) => ({ name: r, ...pos[u.silos.length + j] })),
    links: u.links.map((l) => [l.a, l.b]),
    linkInfo: u.links.map((l) => ({
      distanceKm: l.distanceKm,
      latencyMs: latencyMsFromKm(l.distanceKm),
      ...(l.capacityBitsPerSec !== undefined ? { capacityGbps: l.capacityBitsPerSec / 1e9 } : {}),
    })),
  };
}

/** Topologies the page offers: those timed by cycle-time that need no file of the user's. */
export function offeredTopologies(): string[] {
  return topologyNames((t) => t.supports.cycleTime && !t.needs.overlayFile && !t.needs.scheduleFile);
}

function field(obj: Record<string, unknown>, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined;
}

function expectBodyObject(body: unknown): Record<string, unknown> {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new DflsimInputError('body', 'expected a JSON object');
  return body as Record<string, unknown>;
}

/** Start the server. Resolves once it listens. */
export async function startServer(opts: ServeOptions): Promise<RunningServer> {
  const workDir = path.resolve(opts.workDir);
  const netDir = path.join(workDir, 'networks');
  const runsDir = path.join(workDir, 'runs');
  const profileDir = path.join(workDir, 'profiles');
  mkdirSync(netDir, { recursive: true });
  mkdirSync(profileDir, { recursive: true });
  mkdirSync(runsDir, { recursive: true });
  const maxBody = opts.maxBodyBytes ?? MAX_BODY_BYTES;
  const uploads = new Map<string, Underlay>();
  /** Uploaded silo profiles, each read against the network it was uploaded for. */
  const profiles = new Map<string, { network: string; profile: SiloProfile }>();
  const compute = new ComputeThread();
  const training = new TrainingRuns(runsDir);
  const web = webDir();
  const sse = new Set<http.ServerResponse>();

  /** A network reference: a built-in name, or `upload:<id>`. */
  function resolveNetwork(ref: unknown, where = 'network'): { underlay: Underlay; file?: string } {
    if (typeof ref !== 'string' || !ref)
      throw new DflsimInputError(where, 'expected a built-in network name or an uploaded network\'s id ("upload:<id>")');
    if (ref.startsWith('upload:')) {
      const id = ref.slice(7);
      const u = ID_PATTERN.test(id) ? uploads.get(id) : undefined;
      if (!u) throw new DflsimInputError(where, `no uploaded network ${JSON.stringify(id)} (upload it with POST /api/network)`);
      return { underlay: u, file: path.join(netDir, `${id}.gml`) };
    }
    if (!builtinNetworkNames().includes(ref.toLowerCase()) || !builtinUnderlay(ref))
      throw new DflsimInputError(
        where,
        `unknown network ${JSON.stringify(ref)}; built-in: ${builtinNetworkNames().join(', ')} (or upload a GML)`,
      );
    return { underlay: builtinUnderlay(ref)! };
  }

  /** Silo compute-time overrides (ms per local step, by silo name) applied to a network. */
  function withComputeMs(u: Underlay, raw: unknown): Underlay {
    if (raw === undefined) return u;
    if (!raw || typeof raw !== 'object' || Array.isArray(raw))
      throw new DflsimInputError('computeMs', 'expected an object {silo: ms per local step}');
    const attrs = u.silos.map((_, i) => ({ ...(u.siloAttributes?.[i] ?? {}) }));
    for (const [silo, ms] of Object.entries(raw as Record<string, unknown>)) {
      const i = u.silos.indexOf(silo);
      if (i < 0)
        throw new DflsimInputError(
          `computeMs.${silo}`,
          `unknown silo; the network's silos are ${u.silos.slice(0, 8).join(', ')}${u.silos.length > 8 ? ', ...' : ''}`,
        );
      if (typeof ms !== 'number' || !(ms > 0) || !(ms <= 1e9))
        throw new DflsimInputError(`computeMs.${silo}`, `expected a positive number of ms (at most 1e9), got ${JSON.stringify(ms)}`);
      attrs[i].computeMs = ms;
    }
    const routers = (u.routers ?? []).map((_, j) => ({ ...(u.siloAttributes?.[u.silos.length + j] ?? {}) }));
    return { ...u, siloAttributes: [...attrs, ...routers] };
  }

  /**
   * An uploaded silo profile (`siloProfile: "<id>"`) laid over the network's own node
   * attributes, column by column, as the library lays a profile CSV over GML attributes.
   */
  function withSiloProfile(u: Underlay, networkRef: string, raw: unknown): Underlay {
    if (raw === undefined) return u;
    const p = typeof raw === 'string' && ID_PATTERN.test(raw) ? profiles.get(raw) : undefined;
    if (!p)
      throw new DflsimInputError('siloProfile', `no uploaded silo profile ${JSON.stringify(raw)} (upload it with POST /api/silo-profile)`);
    if (p.network !== networkRef)
      throw new DflsimInputError(
        'siloProfile',
        `the profile was uploaded for network ${JSON.stringify(p.network)}, not ${JSON.stringify(networkRef)}`,
      );
    const attrs = u.silos.map((s, i) => {
      const a = { ...(u.siloAttributes?.[i] ?? {}) };
      const e = Object.prototype.hasOwnProperty.call(p.profile, s) ? p.profile[s] : undefined;
      if (e) for (const k of SILO_PROFILE_FIELDS) if (e[k] !== undefined) a[k] = e[k];
      return a;
    });
    const routers = (u.routers ?? []).map((_, j) => ({ ...(u.siloAttributes?.[u.silos.length + j] ?? {}) }));
    return { ...u, siloAttributes: [...attrs, ...routers] };
  }

  /** A request's network with its uploaded silo profile, then its compute-time and link-capacity edits, applied. */
  function requestNetwork(body: Record<string, unknown>): Underlay {
    const { underlay } = resolveNetwork(body.network);
    const u = withComputeMs(withSiloProfile(underlay, body.network as string, body.siloProfile), body.computeMs);
    return withLinkCapacities(u, body.linkCapacityGbps);
  }

  /**
   * Link-capacity overrides (Gbit/s) by link, `"A|B"` with the two ends' node names (either
   * order), applied to the network's links as a GML `capacityGbps` would be.
   */
  function withLinkCapacities(u: Underlay, raw: unknown): Underlay {
    if (raw === undefined) return u;
    if (!raw || typeof raw !== 'object' || Array.isArray(raw))
      throw new DflsimInputError('linkCapacityGbps', 'expected an object {"A|B": Gbit/s} keyed by a link\'s two node names');
    const names = [...u.silos, ...(u.routers ?? [])];
    const links = u.links.map((l) => ({ ...l }));
    for (const [key, gbps] of Object.entries(raw as Record<string, unknown>)) {
      const where = `linkCapacityGbps.${key}`;
      const ends = key.split('|');
      const [a, b] = ends.map((n) => names.indexOf(n));
      const l = ends.length === 2 ? links.find((x) => (x.a === a && x.b === b) || (x.a === b && x.b === a)) : undefined;
      if (!l)
        throw new DflsimInputError(where, 'unknown link; expected "A|B" with the names of the two ends of one of the network\'s links');
      if (typeof gbps !== 'number' || !Number.isFinite(gbps) || !(gbps > 0) || gbps > 1e6)
        throw new DflsimInputError(where, `expected a positive number of Gbit/s (at most 1e6), got ${JSON.stringify(gbps)}`);
      l.capacityBitsPerSec = gbpsToBitsPerSec(gbps);
    }
    return { ...u, links };
  }

  /** With link-capacity edits the capacities are used (`linkCapacities: 'gml'`), unless the request says otherwise. */
  function capacityTiming(body: Record<string, unknown>, timing: TimingFields): TimingFields {
    if (body.linkCapacityGbps === undefined) return timing;
    if (timing.linkCapacities !== undefined && timing.linkCapacities !== 'gml')
      throw new DflsimInputError('linkCapacities', 'link-capacity edits (linkCapacityGbps) need linkCapacities "gml"');
    return { ...timing, linkCapacities: 'gml' };
  }

  function timingOf(body: Record<string, unknown>, allowed: readonly string[]): TimingFields {
    for (const k of Object.keys(body))
      if (!allowed.includes(k) && !(TIMING_FIELDS as readonly string[]).includes(k))
        throw new DflsimInputError(k, `unknown field; expected ${[...allowed, ...TIMING_FIELDS].join(', ')}`);
    const t: Record<string, unknown> = {};
    for (const k of TIMING_FIELDS) if (field(body, k) !== undefined) t[k] = body[k];
    // stragglers and failures: the config's own schemas, as `dflsim plan` reads its flags
    for (const [k, schema] of [
      ['stragglers', stragglerSchema],
      ['failures', failureSchema],
    ] as const) {
      if (t[k] === undefined) continue;
      const r = schema.safeParse(t[k]);
      if (!r.success) {
        const issue = r.error.issues[0];
        throw new DflsimInputError(`${k}${issue.path.length ? `.${issue.path.join('.')}` : ''}`, issue.message);
      }
      t[k] = r.data;
    }
    return t as TimingFields;
  }

  function checkTopology(name: unknown, where: string): string {
    if (typeof name !== 'string' || !name) throw new DflsimInputError(where, 'expected a topology name');
    const t = findTopology(name);
    if (!t || !t.supports.cycleTime || t.needs.overlayFile || t.needs.scheduleFile)
      throw new DflsimInputError(where, `unknown topology ${JSON.stringify(name)}; expected one of ${offeredTopologies().join(', ')}`);
    return name;
  }

  /** A training config from the page: its network a built-in or an upload, every path inside the run's directory. */
  function trainConfig(body: Record<string, unknown>): { cfg: TrainConfig; raw: Record<string, unknown> } {
    const raw0 = field(body, 'config');
    if (!raw0 || typeof raw0 !== 'object' || Array.isArray(raw0)) throw new DflsimInputError('config', 'expected a training config object');
    const raw = structuredClone(raw0) as Record<string, unknown>;
    for (const k of ['sweep', 'seeds', 'repeats', 'queue', 'distributeSilos', 'parallelRuns'])
      if (raw[k] !== undefined) throw new DflsimInputError(`config.${k}`, 'the explorer runs one training run: remove this field');
    const rounds = raw.rounds;
    if (typeof rounds === 'number' && rounds > 2000) throw new DflsimInputError('config.rounds', 'the explorer runs at most 2000 rounds');
    raw.network = resolveNetwork(raw.network, 'config.network').file ?? raw.network;
    // every other path-like string must stay inside the work directory (relative ones resolve from the run's directory)
    const check = (v: unknown, at: string): void => {
      if (typeof v === 'string') {
        if (at === 'config.network' || at === 'config.name' || at === 'config.description') return;
        if (/[\\/]/.test(v) || v.startsWith('.') || v.startsWith('~') || /^%2e/i.test(v)) {
          const decoded = v.replace(/%2e/gi, '.').replace(/%2f/gi, '/');
          if (path.isAbsolute(decoded) || decoded.split(/[\\/]/).includes('..') || decoded.startsWith('~'))
            throw new DflsimInputError(at, `path ${JSON.stringify(v)} is outside the server's work directory`);
          insideDir(workDir, path.relative(workDir, path.join(runsDir, 'x', decoded)), at);
        }
      } else if (Array.isArray(v)) v.forEach((x, i) => check(x, `${at}[${i}]`));
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) check(x, `${at}.${k}`);
    };
    check(raw, 'config');
    // a request never makes the server import code (as a queued job never does)
    const model = raw.model as Record<string, unknown> | undefined;
    if (model && typeof model === 'object' && model.module !== undefined)
      throw new DflsimInputError('config.model.module', 'the explorer never imports a module sent to it: use a built-in model');
    let cfg;
    try {
      cfg = validateConfig(raw, 'config');
    } catch (e) {
      if (e instanceof DflsimInputError) throw new DflsimInputError('', e.message.replace(/^config: (?=[a-z])/, 'config.'));
      throw e;
    }
    if (cfg.kind !== 'train') throw new DflsimInputError('config.kind', 'the explorer trains: expected "train"');
    return { cfg, raw };
  }

  async function readBody(req: http.IncomingMessage): Promise<Buffer> {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > maxBody) throw new HttpError(413, `body: ${declared} bytes, more than the ${maxBody}-byte limit`);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req as AsyncIterable<Buffer>) {
      size += c.length;
      if (size > maxBody) throw new HttpError(413, `body: more than the ${maxBody}-byte limit`);
      chunks.push(c);
    }
    return Buffer.concat(chunks);
  }

  async function readJson(req: http.IncomingMessage): Promise<Record<string, unknown>> {
    const buf = await readBody(req);
    let v: unknown;
    try {
      v = JSON.parse(buf.toString('utf8'));
    } catch {
      throw new DflsimInputError('body', 'not valid JSON');
    }
    return expectBodyObject(v);
  }

  function send(res: http.ServerResponse, status: number, value: unknown): void {
    const body = JSON.stringify(value);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
    res.end(body);
  }

  function sendFile(res: http.ServerResponse, file: string): void {
    if (!existsSync(file) || !statSync(file).isFile()) throw new HttpError(404, `not found`);
    res.writeHead(200, { 'content-type': MIME[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    res.end(readFileSync(file));
  }

  /** The raw path's segments, each URL-decoded (a `%2f` stays inside its segment, checked as a path). */
  function segments(rawPath: string): string[] {
    try {
      return rawPath
        .split('/')
        .filter((s) => s !== '')
        .map((s) => decodeURIComponent(s));
    } catch {
      throw new DflsimInputError('path', 'bad URL encoding');
    }
  }

  function trainRun(id: string | undefined) {
    if (!id || !ID_PATTERN.test(id)) throw new HttpError(404, `train: no run ${JSON.stringify(id ?? '')}`);
    const run = training.get(id);
    if (!run) throw new HttpError(404, `train: no run ${JSON.stringify(id)}`);
    return run;
  }

  async function api(req: http.IncomingMessage, res: http.ServerResponse, seg: string[]): Promise<void> {
    const method = req.method ?? 'GET';
    const route = `${method} ${seg[1] ?? ''}`;
    if (route === 'GET networks' && seg.length === 2) return send(res, 200, { networks: builtinNetworkNames() });
    if (route === 'GET topologies' && seg.length === 2) return send(res, 200, { topologies: offeredTopologies() });
    if (route === 'GET network' && seg.length === 3) {
      const ref = seg[2];
      const { underlay } = resolveNetwork(ref);
      return send(res, 200, networkView(ref, underlay));
    }
    if (route === 'POST network' && seg.length === 2) {
      const text = (await readBody(req)).toString('utf8');
      if (!text.trim()) throw new DflsimInputError('body', 'empty: send a GML file as the request body');
      const url = new URL(req.url ?? '/', 'http://x');
      const name = (url.searchParams.get('name') ?? 'uploaded').replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 60) || 'uploaded';
      let underlay: Underlay;
      try {
        underlay = underlayFromGml(text, `${name}.gml`, name.replace(/\.gml$/i, ''));
      } catch (e) {
        if (e instanceof DflsimInputError) throw new DflsimInputError('', `gml: ${e.message}`);
        throw new DflsimInputError('gml', `cannot read: ${(e as Error).message}`);
      }
      const id = randomBytes(8).toString('hex');
      writeFileSync(path.join(netDir, `${id}.gml`), text);
      uploads.set(id, underlay);
      return send(res, 200, networkView(`upload:${id}`, underlay));
    }
    if (route === 'POST silo-profile' && seg.length === 2) {
      const text = (await readBody(req)).toString('utf8');
      if (!text.trim())
        throw new DflsimInputError('body', 'empty: send a silo-profile CSV (silo,computeMs,uploadGbps,downloadGbps) as the request body');
      const url = new URL(req.url ?? '/', 'http://x');
      const networkRef = url.searchParams.get('network') ?? '';
      const { underlay } = resolveNetwork(networkRef, 'network');
      const profile = parseSiloProfileCsv(text, 'profile.csv', underlay.silos);
      const id = randomBytes(8).toString('hex');
      writeFileSync(path.join(profileDir, `${id}.csv`), text);
      profiles.set(id, { network: networkRef, profile });
      return send(res, 200, { id, network: networkRef, silos: Object.keys(profile).length, profile });
    }
    if (route === 'POST cycle-times' && seg.length === 2) {
      const body = await readJson(req);
      const timing = capacityTiming(body, timingOf(body, ['network', 'topologies', 'computeMs', 'siloProfile', 'linkCapacityGbps']));
      const underlay = requestNetwork(body);
      const topologies = body.topologies;
      if (!Array.isArray(topologies) || topologies.length === 0)
        throw new DflsimInputError('topologies', 'expected a non-empty list of topology names');
      topologies.forEach((t, i) => checkTopology(t, `topologies[${i}]`));
      const report = await compute.run({
        kind: 'cycle-times',
        underlay,
        topologies: topologies as string[],
        timing,
      });
      return send(res, 200, report);
    }
    if (route === 'POST rounds' && seg.length === 2) {
      const body = await readJson(req);
      const timing = capacityTiming(
        body,
        timingOf(body, ['network', 'topology', 'rounds', 'computeMs', 'siloProfile', 'linkCapacityGbps']),
      );
      const underlay = requestNetwork(body);
      const topology = checkTopology(body.topology, 'topology');
      const rounds = body.rounds ?? 20;
      const view = await compute.run({
        kind: 'rounds',
        underlay,
        topology,
        rounds: rounds as number,
        timing,
      });
      return send(res, 200, view);
    }
    if (route === 'POST train' && seg.length === 2) {
      const body = await readJson(req);
      for (const k of Object.keys(body)) if (k !== 'config') throw new DflsimInputError(k, 'unknown field; expected config');
      const { cfg, raw } = trainConfig(body);
      const run = training.start(cfg, raw);
      return send(res, 200, { id: run.id });
    }
    if (route === 'GET train' && seg.length === 4 && seg[3] === 'events') {
      const run = trainRun(seg[2]);
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      const write = (e: TrainEvent): void => {
        res.write(`event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);
        if (e.type === 'done') res.end();
      };
      for (const e of run.events) write(e);
      if (run.finished) return;
      sse.add(res);
      run.listeners.add(write);
      res.on('close', () => {
        run.listeners.delete(write);
        sse.delete(res);
      });
      return;
    }
    if (route === 'POST train' && seg.length === 4 && seg[3] === 'stop') {
      const run = trainRun(seg[2]);
      training.stop(run);
      return send(res, 200, { id: run.id, stopping: !run.finished });
    }
    if (route === 'GET train' && seg.length >= 5 && seg[3] === 'files') {
      const run = trainRun(seg[2]);
      const file = insideDir(path.join(run.dir, 'results'), seg.slice(4).join('/'), 'path');
      return sendFile(res, file);
    }
    throw new HttpError(404, `no API route ${method} /${seg.join('/')}`);
  }

  /**
   * Only the page the server itself serves may call it: a request carrying another site's
   * Origin (a page elsewhere posting to this port) is refused, and on a loopback address a Host
   * other than a loopback name (a DNS name rebound to 127.0.0.1) is refused too.
   */
  function checkCaller(req: http.IncomingMessage): void {
    const hostHeader = req.headers.host ?? '';
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== `http://${hostHeader}`)
      throw new HttpError(403, `origin ${JSON.stringify(origin)}: only the explorer's own page may call this server`);
    if (loopback) {
      const name = hostHeader.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
      if (!LOOPBACK_NAMES.has(name))
        throw new HttpError(403, `host ${JSON.stringify(hostHeader)}: this server answers on loopback names only`);
    }
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const rawPath = (req.url ?? '/').split('?')[0];
    try {
      checkCaller(req);
      const seg = segments(rawPath);
      if (seg[0] === 'api') return await api(req, res, seg);
      if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, `${req.method}: the page's files are read-only`);
      const rel = seg.length === 0 ? 'index.html' : seg.join('/');
      return sendFile(res, insideDir(web, rel, 'path'));
    } catch (e) {
      if (res.headersSent) {
        res.end();
        return;
      }
      if (e instanceof HttpError) return send(res, e.status, { error: e.message });
      if (e instanceof DflsimInputError) return send(res, 400, { error: apiMessage(e) });
      // never a stack trace to the client
      process.stderr.write(`dflsim serve: ${(e as Error)?.stack ?? String(e)}\n`);
      return send(res, 500, { error: 'internal error (see the server log)' });
    }
  }

  const loopback = LOOPBACK_NAMES.has(opts.host ?? '127.0.0.1');
  const server = http.createServer((req, res) => {
    void handle(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 8080, opts.host ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${host}:${addr.port}`,
    port: addr.port,
    async close() {
      for (const r of sse) r.end();
      await training.closeAll();
      await compute.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

type TrainEvent = import('./training.js').TrainEvent;
