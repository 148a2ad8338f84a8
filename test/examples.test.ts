/**
 * examples/: every data and model file is written by scripts/write-examples.mjs (run here into
 * a temporary folder: the same bytes, and for PNGs the same pixels, as the committed files),
 * and every example config trains (a few rounds, one seed) and says what went to the test set.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers.js';

const EXAMPLES = path.join(ROOT, 'examples');

async function pixels(file: string): Promise<Buffer> {
  return sharp(file).raw().toBuffer();
}

describe('examples/', () => {
  it('are what scripts/write-examples.mjs writes', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dflsim-examples-'));
    const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts/write-examples.mjs'), dir], { encoding: 'utf8' });
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.status).toBe(0);
    for (const f of ['keras-cnn/model.json', 'keras-cnn/group1-shard1of1.bin', 'digits.npz', 'clinics.csv'])
      expect(readFileSync(path.join(dir, f)).equals(readFileSync(path.join(EXAMPLES, f))), f).toBe(true);
    // PNG bytes depend on the encoder's version; their pixels do not
    for (const cls of ['circle', 'square', 'triangle']) {
      const files = readdirSync(path.join(EXAMPLES, 'shapes', cls)).sort();
      expect(readdirSync(path.join(dir, 'shapes', cls)).sort()).toEqual(files);
      for (const f of files)
        expect((await pixels(path.join(dir, 'shapes', cls, f))).equals(await pixels(path.join(EXAMPLES, 'shapes', cls, f))), f).toBe(true);
    }
  }, 120_000);

  for (const config of ['keras-cnn-digits.json', 'csv-clinics.json', 'image-folder-shapes.json']) {
    it(`${config} trains`, () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'dflsim-example-run-'));
      cpSync(EXAMPLES, dir, { recursive: true });
      const cfg = JSON.parse(readFileSync(path.join(EXAMPLES, config), 'utf8'));
      // a short run: 3 rounds, one seed, the first topology of a sweep
      const short = { ...cfg, rounds: 3, seeds: undefined, seed: 1, sweep: undefined, topology: cfg.sweep?.topology?.[0] ?? cfg.topology };
      writeFileSync(path.join(dir, config), JSON.stringify(short));
      const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/dflsim.js'), 'run', config, '--out', 'out'], {
        encoding: 'utf8',
        cwd: dir,
      });
      expect(r.stderr).not.toMatch(/Error|\n\s+at /);
      expect(r.status).toBe(0);
      expect(r.stdout + r.stderr).toMatch(/went to the test set/);
      const summary = JSON.parse(readFileSync(path.join(dir, 'out', 'summary.json'), 'utf8'));
      expect(summary.rounds).toBe(3);
      expect(summary.silos).toBe(11);
    }, 120_000);
  }
});
