/**
 * Stopping a run with SIGKILL and resuming it gives metrics identical to an uninterrupted
 * run with the same seed (the real CLI, the real TensorFlow.js trainer, a small model).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeCheckpoint, encodeCheckpoint } from '../../src/experiment/checkpoint.js';
import { networkFile, ROOT } from '../helpers.js';
import { nativeAddon } from '../../src/learning/native-addon.js';

const BIN = path.join(ROOT, 'bin/dflsim.js');

function config(dir: string): string {
  const f = path.join(dir, 'linear.json');
  writeFileSync(
    f,
    JSON.stringify({
      kind: 'train',
      name: 'resume-check',
      network: networkFile('gaia'),
      topology: 'multigraph-ring',
      model: { name: 'linear', inputSize: 16 },
      dataset: { kind: 'synthetic-driving', sequences: 22, framesPerSequence: 8 },
      rounds: 600,
      batchSize: 4,
      lr: 1e-7,
      evalEvery: 25,
      checkpointEvery: 20,
      seed: 5,
      backend: 'wasm',
    }),
  );
  return f;
}

const stripWall = (csv: string) =>
  csv
    .trim()
    .split('\n')
    .map((l) => {
      const c = l.split(',');
      c.splice(2, 1);
      return c.join(',');
    });

describe('kill and resume', () => {
  it('SIGKILL mid-run, then --resume, equals an uninterrupted run', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dflsim-resume-'));
    const cfg = config(dir);
    const full = spawnSync(process.execPath, [BIN, 'run', cfg, '--out', path.join(dir, 'full')], { encoding: 'utf8' });
    expect(full.status, full.stderr).toBe(0);

    const out = path.join(dir, 'killed');
    const child = spawn(process.execPath, [BIN, 'run', cfg, '--out', out], { stdio: 'ignore' });
    const ck = path.join(out, 'checkpoint.bin');
    const started = Date.now();
    // wait for a checkpoint past the first one, then kill without warning
    await new Promise<void>((resolve, reject) => {
      // a run that ends before it is killed fails here, not by waiting
      child.once('exit', (c, sig) => {
        if (sig !== 'SIGKILL') {
          clearInterval(poll);
          reject(new Error(`dflsim exited ${c} before it was killed`));
        }
      });
      const poll = setInterval(() => {
        const csv = existsSync(path.join(out, 'metrics.csv')) ? readFileSync(path.join(out, 'metrics.csv'), 'utf8') : '';
        if (existsSync(ck) && csv.split('\n').length > 60) {
          clearInterval(poll);
          child.kill('SIGKILL');
          resolve();
        } else if (Date.now() - started > 120_000) {
          clearInterval(poll);
          child.kill('SIGKILL');
          reject(new Error('no checkpoint in time'));
        }
      }, 20);
    });
    await new Promise((r) => child.on('exit', r));
    const partial = readFileSync(path.join(out, 'metrics.csv'), 'utf8').trim().split('\n').length - 1;
    expect(partial).toBeLessThan(600);

    const resumed = spawnSync(process.execPath, [BIN, 'run', cfg, '--out', out, '--resume'], { encoding: 'utf8' });
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/resuming at round \d+/);
    const a = stripWall(readFileSync(path.join(dir, 'full', 'metrics.csv'), 'utf8'));
    const b = stripWall(readFileSync(path.join(out, 'metrics.csv'), 'utf8'));
    expect(b).toHaveLength(601);
    expect(b).toEqual(a);
    const sa = JSON.parse(readFileSync(path.join(dir, 'full', 'summary.json'), 'utf8'));
    const sb = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8'));
    expect(sb.final).toEqual({ ...sa.final, wallMs: sb.final.wallMs });
  }, 300_000);

  it('Ctrl-C (SIGINT) writes a checkpoint, exits 130, and --resume finishes the run', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dflsim-sigint-'));
    const cfg = config(dir);
    const out = path.join(dir, 'run');
    const child = spawn(process.execPath, [BIN, 'run', cfg, '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += String(d);
    });
    const started = Date.now();
    await new Promise<void>((resolve, reject) => {
      // a run that ends before its first checkpoint fails here with its stderr, not by waiting
      child.once('exit', (c) => {
        if (!existsSync(path.join(out, 'checkpoint.bin'))) {
          clearInterval(poll);
          reject(new Error(`dflsim exited ${c} before its first checkpoint:\n${stderr}`));
        }
      });
      const poll = setInterval(() => {
        if (existsSync(path.join(out, 'checkpoint.bin'))) {
          clearInterval(poll);
          child.kill('SIGINT');
          resolve();
        } else if (Date.now() - started > 120_000) {
          clearInterval(poll);
          child.kill('SIGKILL');
          reject(new Error('no checkpoint in time'));
        }
      }, 20);
    });
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    expect(code).toBe(130);
    expect(stderr).toMatch(/interrupt: writing a checkpoint/);
    expect(stderr).toMatch(/resume with: dflsim run .* --resume/);
    const rows = readFileSync(path.join(out, 'metrics.csv'), 'utf8').trim().split('\n').length - 1;
    expect(rows).toBeGreaterThan(0);
    expect(rows).toBeLessThan(600);
    const resumed = spawnSync(process.execPath, [BIN, 'run', cfg, '--out', out, '--resume'], { encoding: 'utf8' });
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(readFileSync(path.join(out, 'metrics.csv'), 'utf8').trim().split('\n')).toHaveLength(601);
  }, 300_000);

  it('refuses a non-empty results directory without --resume or --force, and a checkpoint of another config', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dflsim-resume-'));
    const cfg = config(dir);
    const j = JSON.parse(readFileSync(cfg, 'utf8'));
    writeFileSync(cfg, JSON.stringify({ ...j, rounds: 30 }));
    expect(spawnSync(process.execPath, [BIN, 'run', cfg, '--out', path.join(dir, 'r')]).status).toBe(0);
    const again = spawnSync(process.execPath, [BIN, 'run', cfg, '--out', path.join(dir, 'r')], { encoding: 'utf8' });
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/not empty: use --resume/);
    writeFileSync(cfg, JSON.stringify({ ...j, rounds: 30, lr: 2e-7 }));
    const other = spawnSync(process.execPath, [BIN, 'run', cfg, '--out', path.join(dir, 'r'), '--resume'], { encoding: 'utf8' });
    expect(other.status).toBe(2);
    expect(other.stderr).toMatch(/written by a different config/);
  }, 120_000);

  describe('a checkpoint that cannot continue the run: exit 2 naming the checkpoint, nothing rewritten', () => {
    /** Every file of a directory with its bytes and modification time. */
    const snapshot = (d: string) =>
      readdirSync(d)
        .sort()
        .map((f) => {
          const p = path.join(d, f);
          const st = statSync(p);
          return { f, mtimeMs: st.mtimeMs, body: st.isDirectory() ? '<dir>' : readFileSync(p).toString('base64') };
        });
    let dir = '';
    let cfg = '';
    let out = '';
    let ck = '';
    const prepare = () => {
      if (dir) return;
      dir = mkdtempSync(path.join(tmpdir(), 'dflsim-badck-'));
      cfg = config(dir);
      writeFileSync(cfg, JSON.stringify({ ...JSON.parse(readFileSync(cfg, 'utf8')), rounds: 6, checkpointEvery: 2 }));
      out = path.join(dir, 'run');
      ck = path.join(out, 'checkpoint.bin');
      const r = spawnSync(process.execPath, [BIN, 'run', cfg, '--out', out, '--keep-checkpoints'], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      writeFileSync(path.join(dir, 'good.bin'), readFileSync(ck));
    };
    const original = () => decodeCheckpoint(readFileSync(path.join(dir, 'good.bin')), 'good.bin');
    const resumeFails = (what: RegExp) => {
      const before = snapshot(out);
      const r = spawnSync(process.execPath, [BIN, 'run', cfg, '--out', out, '--resume'], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toContain(`dflsim: ${ck}: `);
      expect(r.stderr).toMatch(what);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
      expect(snapshot(out)).toEqual(before);
    };

    it('the wrong silo count', () => {
      prepare();
      const { state, configHash } = original();
      expect(state.weights).toHaveLength(11);
      const fewer = { ...state, weights: state.weights.slice(0, 10), opt: state.opt.slice(0, 10) };
      writeFileSync(ck, encodeCheckpoint(fewer, configHash));
      resumeFails(/the checkpoint has 10 silos, the run has 11/);
    }, 120_000);

    it("a round beyond the run's end", () => {
      prepare();
      const { state, configHash } = original();
      expect(state.round).toBe(6);
      const metrics = Array.from({ length: 9 }, (_, i) => ({ ...state.metrics[0]!, round: i }));
      writeFileSync(ck, encodeCheckpoint({ ...state, round: 9, done: false, metrics }, configHash));
      resumeFails(/the checkpoint is at round 9, beyond the run's 6 rounds/);
    }, 120_000);

    it('a header that contradicts itself', () => {
      prepare();
      const { state, configHash } = original();
      writeFileSync(ck, encodeCheckpoint({ ...state, metrics: state.metrics.slice(0, 2) }, configHash));
      resumeFails(/corrupt checkpoint header: 2 metric rows for 6 rounds/);
    }, 120_000);

    it('a checkpoint path that is a directory', () => {
      prepare();
      rmSync(ck);
      mkdirSync(ck);
      resumeFails(/is a directory, not a checkpoint file/);
    }, 120_000);
  });

  it.skipIf(!nativeAddon())(
    'refuses to resume a checkpoint under other convolution kernels (native against wasm), exit 2, naming the file',
    () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'dflsim-kernels-'));
      const f = path.join(dir, 'short.json');
      writeFileSync(f, readFileSync(config(dir), 'utf8').replace('"rounds":600', '"rounds":40'));
      const out = path.join(dir, 'out');
      const first = spawnSync(process.execPath, [BIN, 'run', f, '--out', out, '--keep-checkpoints'], { encoding: 'utf8' });
      expect(first.status, first.stderr).toBe(0);
      const ck = path.join(out, 'checkpoint.bin');
      expect(decodeCheckpoint(readFileSync(ck), ck).kernels).toMatch(/^native-/);
      const before = readFileSync(path.join(out, 'metrics.csv'), 'utf8');
      const wasm = spawnSync(process.execPath, [BIN, 'run', f, '--out', out, '--resume'], {
        encoding: 'utf8',
        env: { ...process.env, DFLSIM_NATIVE: '0' },
      });
      expect(wasm.status).toBe(2);
      expect(wasm.stderr).toContain(ck);
      expect(wasm.stderr).toMatch(
        /trained with the native-[\w+-]+ kernels( with dflsim's native training step)? and this run has the wasm kernels/,
      );
      expect(wasm.stderr).not.toMatch(/\n\s+at /);
      expect(readFileSync(path.join(out, 'metrics.csv'), 'utf8')).toBe(before);
      // the same kernels resume
      const again = spawnSync(process.execPath, [BIN, 'run', f, '--out', out, '--resume'], { encoding: 'utf8' });
      expect(again.status, again.stderr).toBe(0);
      rmSync(dir, { recursive: true, force: true });
    },
    120_000,
  );
});
