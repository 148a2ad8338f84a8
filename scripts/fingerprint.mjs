#!/usr/bin/env node
/**
 * A behaviour fingerprint for refactoring: SHA-256 of what dflsim computes, printed as JSON
 * (one hash per item). Run it before and after a change that must not change results:
 *
 *   node scripts/fingerprint.mjs > before.json   # on the old tree (built)
 *   node scripts/fingerprint.mjs > after.json    # on the new tree (built)
 *   diff before.json after.json                  # empty: the same bits
 *
 * Items: the cycle time of every catalogue topology (JSON, all digits) on the papers' five
 * networks (../shared/networks), the built-in ones and a generated 300-silo network, on the max-plus and the event clock,
 * with and without a silo profile; the multigraph's states; and four short trainings (FADNet on
 * the native kernels, FADNet on plain wasm, the FEMNIST CNN under FedAvg, a linear model over
 * MATCHA and the multigraph), each run's metrics.csv (every figure at full precision) without
 * its wall-clock column. Every command exits by itself; a failing one is reported by name.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin', 'dflsim.js');
const SHARED = path.resolve(ROOT, '..', 'shared', 'networks');
const sha = (b) => createHash('sha256').update(b).digest('hex').slice(0, 16);

function dflsim(args, env = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 1 << 28 });
  if (r.status !== 0) {
    process.stderr.write(`fingerprint: dflsim ${args.join(' ')} exited ${r.status}\n${r.stderr}`);
    process.exit(1);
  }
  return r.stdout;
}

/** The JSON with wall-clock fields dropped (they differ run to run). */
function stable(text) {
  // paths name the checkout, not the result
  const json = JSON.stringify(JSON.parse(text), (k, v) => (/wall|elapsed|seconds$/i.test(k) ? undefined : v));
  return json.split(ROOT).join('<root>').split(SHARED).join('<networks>');
}

const out = {};
const networks = [
  ...readdirSync(SHARED)
    .filter((f) => f.endsWith('.gml'))
    .sort()
    .map((f) => path.join(SHARED, f)),
  'gaia-cities',
  'aws-na-cities',
];
const help = dflsim(['cycle-time', '--help']);
const listed = /comma-separated topologies: ([^[]+)/.exec(help.replace(/\s+/g, ' '))[1];
const topologies = listed
  .split(',')
  .map((t) => t.trim())
  .filter((t) => t && !['overlay', 'schedule', 'multigraph-overlay'].includes(t) && /^[a-z0-9+-]+$/.test(t));

const dir = mkdtempSync(path.join(tmpdir(), 'dflsim-fingerprint-'));
try {
  for (const n of networks) {
    const name = path.basename(n, '.gml');
    out[`cycle-time ${name}`] = sha(stable(dflsim(['cycle-time', '-n', n, '-t', topologies.join(','), '--format', 'json'])));
  }
  const geant = path.join(SHARED, 'geantdistance.gml');
  const profile = path.join(ROOT, 'experiments', 'geant-slow-silos.csv');
  const few = 'star,ring,mst,delta-mbst,multigraph-ring,exponential,base-3';
  out['cycle-time geant events'] = sha(stable(dflsim(['cycle-time', '-n', geant, '-t', few, '--clock', 'events', '--format', 'json'])));
  if (existsSync(profile)) {
    out['cycle-time geant profile max-plus'] = sha(
      stable(dflsim(['cycle-time', '-n', geant, '-t', few, '--silo-profile', profile, '--format', 'json'])),
    );
    out['cycle-time geant profile events fair'] = sha(
      stable(
        dflsim([
          'cycle-time',
          '-n',
          geant,
          '-t',
          few,
          '--silo-profile',
          profile,
          '--clock',
          'events',
          '--sharing',
          'fair',
          '--format',
          'json',
        ]),
      ),
    );
  }
  // scale: a generated 300-silo network, static topologies and the multigraph, through the library
  {
    // module paths, not the public index: the same script fingerprints older trees too
    const { generateNetwork } = await import(path.join(ROOT, 'dist', 'src', 'network', 'generate.js'));
    const { computeCycleTimes } = await import(path.join(ROOT, 'dist', 'src', 'experiment', 'cycle-times.js'));
    const report = computeCycleTimes({
      network: generateNetwork({ n: 300, seed: 7 }),
      workload: 'femnist',
      topologies: ['star', 'mst', 'delta-mbst', 'ring', 'multigraph-ring', 'exponential'],
    });
    out['cycle-time generated 300'] = sha(stable(JSON.stringify(report)));
  }
  for (const n of ['gaia', 'exodus'])
    out[`multigraph ${n}`] = sha(
      stable(dflsim(['multigraph', '--network', path.join(SHARED, `${n}.gml`), '--overlay-of', 'ring', '--format', 'json'])),
    );

  const trainings = {
    'fadnet native': {
      env: {},
      cfg: {
        model: { name: 'fadnet', inputSize: 32 },
        dataset: { kind: 'synthetic-driving', sequences: 22, framesPerSequence: 4 },
        rounds: 3,
        batchSize: 4,
        topology: 'ring',
      },
    },
    'fadnet wasm': {
      env: { DFLSIM_NATIVE: '0' },
      cfg: {
        model: { name: 'fadnet', inputSize: 32 },
        dataset: { kind: 'synthetic-driving', sequences: 22, framesPerSequence: 4 },
        rounds: 3,
        batchSize: 4,
        topology: 'multigraph-ring',
      },
    },
    'femnist-cnn fedavg': {
      env: {},
      cfg: {
        model: { name: 'femnist-cnn' },
        dataset: { kind: 'synthetic-characters', writers: 22, meanSamplesPerWriter: 10 },
        partition: 'by-writer',
        rounds: 3,
        batchSize: 4,
        topology: 'star',
        workload: 'femnist',
      },
    },
    'linear matcha and multigraph': {
      env: {},
      cfg: {
        model: { name: 'linear', inputSize: 16 },
        dataset: { kind: 'synthetic-driving', sequences: 22, framesPerSequence: 4 },
        rounds: 8,
        batchSize: 4,
        evalEvery: 1,
        sweep: { topology: ['matcha', 'multigraph-ring', 'exponential'] },
      },
    },
  };
  for (const [name, { env, cfg }] of Object.entries(trainings)) {
    const file = path.join(dir, `${name.replace(/\W+/g, '-')}.json`);
    writeFileSync(
      file,
      JSON.stringify({
        kind: 'train',
        name: name.replace(/\W+/g, '-'),
        network: 'gaia-cities',
        lr: 0.01,
        seed: 5,
        workers: 1,
        backend: 'wasm',
        ...cfg,
      }),
    );
    const res = path.join(dir, `out-${name.replace(/\W+/g, '-')}`);
    dflsim(['run', file, '--out', res], env);
    const parts = [];
    const walk = (d) => {
      for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.name === 'metrics.csv') {
          const lines = readFileSync(p, 'utf8').trim().split('\n');
          const wall = lines[0].split(',').indexOf('wallMs');
          parts.push(
            path.relative(res, p),
            lines
              .map((l) =>
                l
                  .split(',')
                  .filter((_, i) => i !== wall)
                  .join(','),
              )
              .join('\n'),
          );
        }
      }
    };
    walk(res);
    out[`train ${name}`] = sha(parts.join('\n'));
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
process.stdout.write(JSON.stringify(out, null, 2) + '\n');
