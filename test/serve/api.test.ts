/**
 * The explorer's JSON API over real HTTP (Node's fetch and http against a server on port 0):
 * every bad request gets a 400 (413 when oversized) with a `field: message`, paths never
 * leave the work directory, and cycle times equal `computeCycleTimes` on the same input.
 * The compute thread runs dist/'s compiled copy: `npm run build` first.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeCycleTimes } from '../../src/experiment/cycle-times.js';
import { preparePlanExport } from '../../src/experiment/plan-export.js';
import { underlayFromGml } from '../../src/network/underlay.js';
import { startServer, type RunningServer } from '../../src/serve/server.js';
import { networkFile, ROOT } from '../helpers.js';

let server: RunningServer;
let work: string;

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'dflsim-serve-api-'));
  server = await startServer({ port: 0, workDir: work, maxBodyBytes: 256 * 1024 });
});

afterAll(async () => {
  await server?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

async function post(route: string, body: unknown, raw = false): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(server.url + route, {
    method: 'POST',
    headers: { 'content-type': raw ? 'text/plain' : 'application/json' },
    body: raw ? (body as string) : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** A GET with the path sent byte for byte (fetch would normalise `..` away). */
function rawGet(p: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(server.url);
    const req = http.request({ host: u.hostname, port: u.port, path: p, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('dflsim serve API', () => {
  it('lists the built-in networks and serves the page', async () => {
    const r = (await (await fetch(`${server.url}/api/networks`)).json()) as { networks: string[] };
    expect(r.networks).toContain('gaia-cities');
    const page = await fetch(`${server.url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<script type="module" src="app.js">');
  });

  it('times topologies exactly as computeCycleTimes does, with compute-time overrides', async () => {
    const topologies = ['ring', 'multigraph-ring', 'star', 'mst'];
    const r = await post('/api/cycle-times', { network: 'gaia-cities', topologies, tMax: 3 });
    expect(r.status).toBe(200);
    const lib = computeCycleTimes({ network: 'gaia-cities', workload: 'femnist', topologies, tMax: 3 });
    expect((r.json.results as { cycleTimeMs: number }[]).map((x) => x.cycleTimeMs)).toEqual(lib.results.map((x) => x.cycleTimeMs));
    // one slow silo: the same as that silo's computeMs as a node attribute
    const slow = await post('/api/cycle-times', { network: 'gaia-cities', topologies: ['ring'], computeMs: { Tokyo: 80 } });
    expect(slow.status).toBe(200);
    const { builtinUnderlay } = await import('../../src/network/builtin.js');
    const u = builtinUnderlay('gaia-cities')!;
    const attrs = u.silos.map((s) => (s === 'Tokyo' ? { computeMs: 80 } : {}));
    const libSlow = computeCycleTimes({ network: { ...u, siloAttributes: attrs }, workload: 'femnist', topologies: ['ring'] });
    const ms = (slow.json.results as { cycleTimeMs: number }[])[0].cycleTimeMs;
    expect(ms).toBe(libSlow.results[0].cycleTimeMs);
    expect(ms).toBeGreaterThan(lib.results[0].cycleTimeMs);
  });

  it('uploads a GML and times it as the file itself is timed', async () => {
    const text = readFileSync(networkFile('gaia'), 'utf8');
    const up = await post('/api/network?name=gaia', text, true);
    expect(up.status).toBe(200);
    expect(up.json.id).toMatch(/^upload:[0-9a-f]{16}$/);
    expect((up.json.silos as unknown[]).length).toBe(underlayFromGml(text, 'gaia.gml').silos.length);
    const r = await post('/api/cycle-times', { network: up.json.id, topologies: ['ring', 'multigraph-ring'] });
    expect(r.status).toBe(200);
    const lib = computeCycleTimes({ network: networkFile('gaia'), workload: 'femnist', topologies: ['ring', 'multigraph-ring'] });
    expect((r.json.results as { cycleTimeMs: number }[]).map((x) => x.cycleTimeMs)).toEqual(lib.results.map((x) => x.cycleTimeMs));
  });

  it('times a link-capacity edit exactly as a GML with that capacity and linkCapacities gml', async () => {
    const text = readFileSync(networkFile('gaia'), 'utf8');
    const up = await post('/api/network?name=gaia', text, true);
    const view = up.json as { id: string; silos: { name: string }[]; links: [number, number][]; linkInfo: { capacityGbps?: number }[] };
    // the first link is the GML's first edge (source 0, target 1, capacity 1e9 bit/s)
    expect(view.linkInfo[0].capacityGbps).toBe(1);
    const key = `${view.silos[view.links[0][0]].name}|${view.silos[view.links[0][1]].name}`;
    const topologies = ['ring', 'mst', 'multigraph-ring'];
    const r = await post('/api/cycle-times', { network: view.id, topologies, linkCapacityGbps: { [key]: 0.155 } });
    expect(r.status).toBe(200);
    const edited = path.join(work, 'gaia-edited.gml');
    writeFileSync(edited, text.replace('capacity 1000000000.0', 'capacityGbps 0.155'));
    const lib = computeCycleTimes({ network: edited, workload: 'femnist', topologies, linkCapacities: 'gml' });
    const got = (r.json.results as { cycleTimeMs: number }[]).map((x) => x.cycleTimeMs);
    expect(got).toEqual(lib.results.map((x) => x.cycleTimeMs));
    // the edit matters: without it (capacities still used) some cycle time differs
    const plain = computeCycleTimes({ network: networkFile('gaia'), workload: 'femnist', topologies, linkCapacities: 'gml' });
    expect(got).not.toEqual(plain.results.map((x) => x.cycleTimeMs));
    // the ends may be given in either order
    const rev = await post('/api/cycle-times', {
      network: view.id,
      topologies,
      linkCapacityGbps: { [key.split('|').reverse().join('|')]: 0.155 },
    });
    expect((rev.json.results as { cycleTimeMs: number }[]).map((x) => x.cycleTimeMs)).toEqual(got);
  });

  it('refuses a bad link-capacity edit, naming the field', async () => {
    const view = (await (await fetch(`${server.url}/api/network/gaia-cities`)).json()) as {
      silos: { name: string }[];
      links: [number, number][];
    };
    const key = `${view.silos[view.links[0][0]].name}|${view.silos[view.links[0][1]].name}`;
    for (const [edits, field] of [
      [{ 'nowhere|elsewhere': 1 }, 'linkCapacityGbps.nowhere|elsewhere'],
      [{ [key]: -1 }, `linkCapacityGbps.${key}`],
      [{ [key]: 0 }, `linkCapacityGbps.${key}`],
      [{ [key]: 'fast' }, `linkCapacityGbps.${key}`],
      [[1], 'linkCapacityGbps'],
    ] as const) {
      const r = await post('/api/cycle-times', { network: 'gaia-cities', topologies: ['ring'], linkCapacityGbps: edits });
      expect(r.status).toBe(400);
      expect(r.json.error).toMatch(new RegExp(`^${field.replace(/[|.]/g, '\\$&')}: `));
    }
    const both = await post('/api/cycle-times', {
      network: 'gaia-cities',
      topologies: ['ring'],
      linkCapacities: 'ignore',
      linkCapacityGbps: { [key]: 1 },
    });
    expect(both.status).toBe(400);
    expect(both.json.error).toMatch(/^linkCapacities: /);
  });

  it("passes MATCHA's budget and the Base-(k+1) construction to the library, validated as the CLI does", async () => {
    const topologies = ['matcha', 'base-3', 'base-6'];
    const r = await post('/api/cycle-times', { network: 'gaia-cities', topologies, budget: 0.3, baseGraph: 'reference', seed: 2 });
    expect(r.status).toBe(200);
    const lib = computeCycleTimes({
      network: 'gaia-cities',
      workload: 'femnist',
      topologies,
      budget: 0.3,
      baseGraph: 'reference',
      seed: 2,
    });
    expect((r.json.results as { cycleTimeMs: number }[]).map((x) => x.cycleTimeMs)).toEqual(lib.results.map((x) => x.cycleTimeMs));
    for (const budget of [0, 1.5, -0.2]) {
      const bad = await post('/api/cycle-times', { network: 'gaia-cities', topologies: ['matcha'], budget });
      expect(bad.status).toBe(400);
      expect(bad.json.error).toMatch(/^budget: /);
    }
    const badVariant = await post('/api/cycle-times', { network: 'gaia-cities', topologies: ['base-3'], baseGraph: 'mine' });
    expect(badVariant.status).toBe(400);
    expect(badVariant.json.error).toMatch(/^baseGraph: /);
    const badK = await post('/api/cycle-times', { network: 'gaia-cities', topologies: ['base-1'] });
    expect(badK.status).toBe(400);
    expect(badK.json.error).toMatch(/^topologies\[0\]: /);
  });

  it('returns rounds with strong, weak and isolated silos', async () => {
    const r = await post('/api/rounds', { network: 'gaia-cities', topology: 'multigraph-ring', rounds: 6 });
    expect(r.status).toBe(200);
    const rounds = r.json.rounds as { strong: unknown[]; weak: unknown[]; isolated: number[] }[];
    expect(rounds).toHaveLength(6);
    // round 0 of the multigraph: every edge strong (the tour of 11 silos)
    expect(rounds[0].strong).toHaveLength(11);
    expect(rounds.some((x) => x.weak.length > 0)).toBe(true);
  });

  it('applies an uploaded silo-profile CSV exactly as the library applies the file', async () => {
    const csv = 'silo,computeMs,uploadGbps\nTokyo,40,\n"Sao Paulo",,2\n';
    const up = await post('/api/silo-profile?network=gaia-cities', csv, true);
    expect(up.status).toBe(200);
    expect(up.json.silos).toBe(2);
    const file = path.join(work, 'profile-copy.csv');
    writeFileSync(file, csv);
    const topologies = ['ring', 'star', 'multigraph-ring'];
    const lib = computeCycleTimes({ network: 'gaia-cities', workload: 'femnist', topologies, siloProfile: file });
    const plain = computeCycleTimes({ network: 'gaia-cities', workload: 'femnist', topologies });
    const r = await post('/api/cycle-times', { network: 'gaia-cities', topologies, siloProfile: up.json.id });
    expect(r.status).toBe(200);
    const ms = (r.json.results as { cycleTimeMs: number }[]).map((x) => x.cycleTimeMs);
    expect(ms).toEqual(lib.results.map((x) => x.cycleTimeMs));
    expect(ms[0]).toBeGreaterThan(plain.results[0].cycleTimeMs); // a 40 ms step at Tokyo slows RING
    // a click's compute-time edit wins over the profile's value for that silo
    const edited = await post('/api/cycle-times', {
      network: 'gaia-cities',
      topologies: ['ring'],
      siloProfile: up.json.id,
      computeMs: { Tokyo: 4.6 },
    });
    const editedFile = path.join(work, 'profile-edited.csv');
    writeFileSync(editedFile, csv.replace('Tokyo,40', 'Tokyo,4.6'));
    const libEdited = computeCycleTimes({ network: 'gaia-cities', workload: 'femnist', topologies: ['ring'], siloProfile: editedFile });
    expect((edited.json.results as { cycleTimeMs: number }[])[0].cycleTimeMs).toBe(libEdited.results[0].cycleTimeMs);
    // a profile is bound to the network it was read against
    const other = await post('/api/cycle-times', { network: 'aws-na-cities', topologies: ['ring'], siloProfile: up.json.id });
    expect(other.status).toBe(400);
    expect(String(other.json.error)).toMatch(/^siloProfile: the profile was uploaded for network "gaia-cities"/);
  });

  it("returns each round's per-silo start and end times, the plan's on the events clock with a failure", async () => {
    const failures = { silos: [{ silo: 'Tokyo', fromRound: 2, toRound: 4 }] };
    const r = await post('/api/rounds', { network: 'gaia-cities', topology: 'ring', rounds: 6, clock: 'events', failures });
    expect(r.status).toBe(200);
    const plan = [
      ...preparePlanExport({
        network: 'gaia-cities',
        workload: 'femnist',
        topology: 'ring',
        rounds: 6,
        clock: 'events',
        failures,
      }).rounds(),
    ];
    const rounds = r.json.rounds as { startMs: number[]; endMs: number[]; down: number[]; roundEndMs: number }[];
    expect(rounds.map((x) => x.roundEndMs)).toEqual(plan.map((x) => x.roundEndMs));
    expect(rounds.map((x) => x.startMs)).toEqual(plan.map((x) => Array.from(x.startMs)));
    expect(rounds.map((x) => x.endMs)).toEqual(plan.map((x) => Array.from(x.endMs)));
    expect(rounds.map((x) => x.down.length)).toEqual([0, 0, 1, 1, 1, 0]);
  });

  it.each([
    ['malformed GML upload', '/api/network', 'graph [ node [ id 0 label "A" ', true, /^gml: /],
    ['empty upload', '/api/network', '   ', true, /^body: empty/],
    [
      'unknown topology',
      '/api/cycle-times',
      { network: 'gaia-cities', topologies: ['ring', 'ringg'] },
      false,
      /^topologies\[1\]: unknown topology "ringg"/,
    ],
    ['unknown network', '/api/cycle-times', { network: '/etc/passwd', topologies: ['ring'] }, false, /^network: unknown network/],
    ['unknown upload id', '/api/cycle-times', { network: 'upload:../../x', topologies: ['ring'] }, false, /^network: no uploaded network/],
    [
      'a file field',
      '/api/cycle-times',
      { network: 'gaia-cities', topologies: ['ring'], overlayFile: '/etc/passwd' },
      false,
      /^overlayFile: unknown field/,
    ],
    ['bad t', '/api/cycle-times', { network: 'gaia-cities', topologies: ['ring'], tMax: 0 }, false, /^tMax: t must be a positive integer/],
    [
      'unknown silo',
      '/api/cycle-times',
      { network: 'gaia-cities', topologies: ['ring'], computeMs: { Atlantis: 3 } },
      false,
      /^computeMs\.Atlantis: unknown silo/,
    ],
    ['bad JSON', '/api/cycle-times', '{"network":', true, /^body: not valid JSON/],
    [
      'too many rounds',
      '/api/rounds',
      { network: 'gaia-cities', topology: 'multigraph-ring', rounds: 100000 },
      false,
      /^rounds: must be an integer/,
    ],
    [
      'a training path outside',
      '/api/train',
      { config: { ...trainConfig(), dataset: { kind: 'npz', path: '../../../etc/x.npz' } } },
      false,
      /^config\.dataset\.path: path "\.\.\/\.\.\/\.\.\/etc\/x\.npz" is outside/,
    ],
    [
      'an absolute training path',
      '/api/train',
      { config: { ...trainConfig(), overlay: '/etc/passwd' } },
      false,
      /^config\.overlay: path "\/etc\/passwd" is outside/,
    ],
    [
      'an encoded training path',
      '/api/train',
      { config: { ...trainConfig(), overlay: '%2e%2e/%2e%2e/secret.json' } },
      false,
      /^config\.overlay: path .* is outside/,
    ],
    [
      'a malformed silo-profile CSV (line and column named)',
      '/api/silo-profile?network=gaia-cities',
      'silo,computeMs\nTokyo,40\nSeoul,fast\n',
      true,
      /^profile\.csv:3:2: computeMs of silo "Seoul" is not a number/,
    ],
    [
      'a silo-profile CSV naming an unknown silo',
      '/api/silo-profile?network=gaia-cities',
      'silo,computeMs\nAtlantis,40\n',
      true,
      /^profile\.csv:2:1: unknown silo "Atlantis"/,
    ],
    ['a silo profile for an unknown network', '/api/silo-profile?network=nowhere', 'silo,computeMs\n', true, /^network: unknown network/],
    [
      'an unknown silo profile id',
      '/api/cycle-times',
      { network: 'gaia-cities', topologies: ['ring'], siloProfile: '../x.csv' },
      false,
      /^siloProfile: no uploaded silo profile/,
    ],
    [
      'bad stragglers',
      '/api/cycle-times',
      { network: 'gaia-cities', topologies: ['ring'], clock: 'events', stragglers: { model: 'lognormal', sigma: -1 } },
      false,
      /^stragglers\.sigma: /,
    ],
    [
      'bad failures',
      '/api/rounds',
      { network: 'gaia-cities', topology: 'ring', clock: 'events', failures: { silos: [{ silo: 'Tokyo', fromRound: 'two', toRound: 4 }] } },
      false,
      /^failures\.silos\.0\.fromRound: /,
    ],
    [
      'failures on an unknown silo',
      '/api/rounds',
      { network: 'gaia-cities', topology: 'ring', clock: 'events', failures: { silos: [{ silo: 'Atlantis', fromRound: 2, toRound: 4 }] } },
      false,
      /^failures\.silos\[0\]\.silo: .*Atlantis/,
    ],
    ['a bad training config', '/api/train', { config: { ...trainConfig(), rounds: -1 } }, false, /^config\.rounds: /],
  ])('%s: 400 with a message', async (_what, route, body, raw, message) => {
    const r = await post(route, body, raw as boolean);
    expect(r.status).toBe(400);
    expect(String(r.json.error)).toMatch(message as RegExp);
    expect(String(r.json.error)).not.toMatch(/\n\s+at /); // never a stack trace
  });

  it('refuses an oversized upload with 413 and a message', async () => {
    const r = await post('/api/network', 'x'.repeat(300 * 1024), true);
    expect(r.status).toBe(413);
    expect(String(r.json.error)).toMatch(/^body: .*262144-byte limit/);
  });

  it.each([
    '/../../etc/passwd',
    '/%2e%2e/%2e%2e/etc/passwd',
    '/..%2f..%2fetc%2fpasswd',
    '/%2fetc%2fpasswd',
    '/api/train/0123456789abcdef/files/..%2f..%2fconfig.json',
  ])('never reads outside its directories: GET %s', async (p) => {
    const r = await rawGet(p);
    expect([400, 404]).toContain(r.status);
    expect(r.body).not.toContain('root:');
    expect(JSON.parse(r.body).error).toMatch(/^(path: (a "\.\." step|an absolute path)|train: no run)/);
  });

  it('runs a short training run, streams evaluated rounds and stops it; its files stay inside its directory', async () => {
    const start = await post('/api/train', { config: { ...trainConfig(), rounds: 400 } });
    expect(start.status).toBe(200);
    const id = String(start.json.id);
    expect(id).toMatch(/^[0-9a-f]{16}$/);
    const res = await fetch(`${server.url}/api/train/${id}/events`);
    const reader = res.body!.getReader();
    let text = '';
    let stopped = false;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += Buffer.from(value).toString();
      if (!stopped && (text.match(/event: round/g) ?? []).length >= 2) {
        stopped = true;
        expect((await post(`/api/train/${id}/stop`, {})).status).toBe(200);
      }
    }
    const events = text
      .split('\n\n')
      .filter(Boolean)
      .map((b) => ({ type: /event: (\w+)/.exec(b)![1], data: JSON.parse(/data: (.*)/.exec(b)![1]) as Record<string, unknown> }));
    const rounds = events.filter((e) => e.type === 'round');
    expect(rounds.length).toBeGreaterThanOrEqual(2);
    expect(rounds.every((e) => typeof e.data.testRmse === 'number')).toBe(true);
    const done = events.at(-1)!;
    expect(done.type).toBe('done');
    expect(done.data.stopped).toBe(true);
    expect(done.data.completed).toBe(false);
    // its resolved config is readable; a path out of the run is not
    const own = await rawGet(`/api/train/${id}/files/config.resolved.json`);
    expect(own.status).toBe(200);
    const out = await rawGet(`/api/train/${id}/files/..%2fconfig.json`);
    expect(out.status).toBe(400);
    // its report, written by writeReport into the run's results and served from there
    expect(done.data.report).toBe('report.html');
    const report = await rawGet(`/api/train/${id}/files/report.html`);
    expect(report.status).toBe(200);
    expect(report.body).toContain('<html');
    expect(report.body).toContain('api-test');
  });

  it("answers only its own page: another site's Origin and a non-loopback Host get 403; a module in a config 400", async () => {
    const foreign = await fetch(`${server.url}/api/networks`, { headers: { origin: 'http://evil.example' } });
    expect(foreign.status).toBe(403);
    expect(((await foreign.json()) as { error: string }).error).toMatch(/origin "http:\/\/evil\.example"/);
    // a browser's POST from another site carries its Origin even as a "simple" text/plain request
    const train = await fetch(`${server.url}/api/train`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', origin: 'http://evil.example' },
      body: JSON.stringify({ config: trainConfig() }),
    });
    expect(train.status).toBe(403);
    // the page's own Origin is served
    expect((await fetch(`${server.url}/api/networks`, { headers: { origin: server.url } })).status).toBe(200);
    // a DNS name rebound to 127.0.0.1: its Host is not a loopback name
    const rebound = await new Promise<number>((resolve, reject) => {
      const u = new URL(server.url);
      const req = http.request(
        { host: u.hostname, port: u.port, path: '/api/networks', headers: { host: `evil.example:${u.port}` } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(rebound).toBe(403);
    const mod = await post('/api/train', { config: { ...trainConfig(), model: { module: 'm.mjs' } } });
    expect(mod.status).toBe(400);
    expect(mod.json.error).toMatch(/config\.model\.module: the explorer never imports a module/);
  });

  it('exits cleanly on SIGINT and SIGTERM', async () => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      const child = spawn(
        process.execPath,
        [path.join(ROOT, 'bin/dflsim.js'), 'serve', '--port', '0', '--work-dir', path.join(work, 'cli')],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let out = '';
      await new Promise<void>((resolve) => {
        child.stdout.on('data', (b: Buffer) => {
          out += b.toString();
          if (out.includes('listening')) resolve();
        });
      });
      expect(out).toMatch(/^dflsim serve: listening on http:\/\/127\.0\.0\.1:\d+ \(loopback only\)/);
      const url = /http:\/\/[^ ]+/.exec(out)![0];
      expect((await fetch(`${url}/api/networks`)).status).toBe(200);
      child.kill(signal);
      const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
      expect(code).toBe(0);
      expect(out).toContain('dflsim serve: stopped');
    }
  });
});

/** A small training run: the linear model on synthetic driving frames over the built-in Gaia. */
function trainConfig(): Record<string, unknown> {
  return {
    name: 'api-test',
    network: 'gaia-cities',
    topology: 'ring',
    model: { name: 'linear', inputSize: 16 },
    dataset: { kind: 'synthetic-driving', sequences: 33, framesPerSequence: 8 },
    partition: 'iid',
    rounds: 20,
    localSteps: 1,
    batchSize: 8,
    lr: 0.01,
    evalEvery: 1,
    workers: 1,
  };
}
