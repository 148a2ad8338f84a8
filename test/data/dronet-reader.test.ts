import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { frameOf } from '../../src/data/dataset.js';
import { compareFrameNames, parseSteering, readDronetDataset } from '../../src/data/dronet-reader.js';
import { loadDataset } from '../../src/data/registry.js';
import { generateSyntheticDriving } from '../../src/data/synthetic-driving.js';
import { DflsimInputError } from '../../src/errors.js';

const SIZE = 32;
const source = generateSyntheticDriving({ size: SIZE, sequences: 2, framesPerSequence: 3, seed: 5 });
let tmp: string;

/** Write a sequence folder: `frames` PNGs (from the synthetic set, upscaled to 48x40 so the reader resizes and crops) and its steering file. */
async function writeSequence(root: string, name: string, seq: number, opts: { steering?: string; frames?: number } = {}): Promise<string> {
  const dir = path.join(root, name);
  mkdirSync(path.join(dir, 'images'), { recursive: true });
  const s = source.sequences[seq];
  const frames = opts.frames ?? s.frames;
  for (let f = 0; f < frames; f++) {
    const px = Buffer.from(Uint8Array.from(frameOf(source, s, f % s.frames), (v) => Math.round(v)));
    // frame_10 after frame_9: the reader must order by number, not by name
    await sharp(px, { raw: { width: SIZE, height: SIZE, channels: 1 } })
      .resize(48, 40, { fit: 'fill' })
      .png()
      .toFile(path.join(dir, 'images', `frame_${f === 2 ? 10 : f + 8}.png`));
  }
  const rows = Array.from({ length: frames }, (_, f) => `${s.y[f % s.frames]},0.0,0`).join('\n');
  writeFileSync(path.join(dir, 'sync_steering.txt'), opts.steering ?? `steering,speed,brake\n${rows}\n`);
  return dir;
}

function errorOf(p: Promise<unknown>): Promise<DflsimInputError> {
  return p.then(
    () => {
      throw new Error('expected an input error');
    },
    (e: unknown) => {
      if (e instanceof DflsimInputError) return e;
      throw e;
    },
  );
}

beforeAll(async () => {
  tmp = mkdtempSync(path.join(tmpdir(), 'dflsim-dronet-'));
  await writeSequence(path.join(tmp, 'good'), 'seq_b', 1);
  await writeSequence(path.join(tmp, 'good'), 'seq_a', 0);
  mkdirSync(path.join(tmp, 'good', '.notes')); // hidden: not a sequence, ignored
});

afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

describe('DroNet-layout reader', () => {
  it('reads sequences (sorted), frames by frame number, grayscale size x size, steering from the first column', async () => {
    const ds = await readDronetDataset(path.join(tmp, 'good'), { size: SIZE });
    expect(ds).toMatchObject({ name: 'good', height: SIZE, width: SIZE, channels: 1 });
    expect(ds.sequences.map((s) => [s.id, s.condition, s.frames])).toEqual([
      ['seq_a', 'seq_a', 3],
      ['seq_b', 'seq_b', 3],
    ]);
    for (let k = 0; k < 2; k++) {
      const got = ds.sequences[k],
        want = source.sequences[k];
      expect(Array.from(got.y)).toEqual(Array.from(want.y));
      for (let f = 0; f < 3; f++) {
        // resized 32 -> 48x40 -> cover 32x32: close to the original, pixel values in [0, 255]
        const a = frameOf(ds, got, f),
          b = frameOf(source, want, f);
        let err = 0;
        for (let i = 0; i < a.length; i++) {
          err += Math.abs(a[i] - b[i]);
          expect(a[i]).toBeGreaterThanOrEqual(0);
          expect(a[i]).toBeLessThanOrEqual(255);
        }
        expect(err / a.length).toBeLessThan(25);
      }
    }
    const capped = await readDronetDataset(path.join(tmp, 'good'), { size: 16, maxFramesPerSequence: 2 });
    expect(capped.sequences.map((s) => s.frames)).toEqual([2, 2]);
    expect(capped.sequences[0].x.length).toBe(2 * 16 * 16);
  });

  it('decodes RGB JPEGs and RGBA PNGs to one grayscale channel, cropping the centre of non-square frames', async () => {
    const root = path.join(tmp, 'colour');
    const dir = path.join(root, 'seq', 'images');
    mkdirSync(dir, { recursive: true });
    // 60x30 RGB: left third black, middle third white, right third black -> centre crop 30x30 is mostly white
    const rgb = Buffer.alloc(60 * 30 * 3);
    for (let r = 0; r < 30; r++) for (let c = 20; c < 40; c++) rgb.fill(255, (r * 60 + c) * 3, (r * 60 + c) * 3 + 3);
    await sharp(rgb, { raw: { width: 60, height: 30, channels: 3 } })
      .jpeg({ quality: 95 })
      .toFile(path.join(dir, '001.jpg'));
    const rgba = Buffer.alloc(20 * 20 * 4, 200); // opaque light gray
    for (let i = 3; i < rgba.length; i += 4) rgba[i] = 255;
    await sharp(rgba, { raw: { width: 20, height: 20, channels: 4 } })
      .png()
      .toFile(path.join(dir, '002.png'));
    writeFileSync(path.join(root, 'seq', 'sync_steering.txt'), 'steering\n0.1\n-0.2\n');
    const ds = await readDronetDataset(root, { size: 8 });
    const [a, b] = [frameOf(ds, ds.sequences[0], 0), frameOf(ds, ds.sequences[0], 1)];
    expect(a.length).toBe(64);
    expect(a[3 * 8 + 4]).toBeGreaterThan(240); // centre white
    expect(a[3 * 8]).toBeLessThan(40); // left edge of the crop: black third
    expect(Math.abs(b[27] - 200)).toBeLessThan(3);
    expect(Array.from(ds.sequences[0].y)).toEqual([Math.fround(0.1), Math.fround(-0.2)]);
  });

  it('orders frame files by their number and parses steering files', () => {
    expect(['frame_10.png', 'frame_9.png', 'frame_08.png'].sort(compareFrameNames)).toEqual([
      'frame_08.png',
      'frame_9.png',
      'frame_10.png',
    ]);
    expect(['1479425441182877835.jpg', '1479425441132877835.jpg'].sort(compareFrameNames)[0]).toBe('1479425441132877835.jpg');
    expect(Array.from(parseSteering('header\n0.5, 1\n-0.25 2\n\n', 'f.txt'))).toEqual([0.5, -0.25]);
  });

  it('rejects a missing sync_steering.txt, naming the file', async () => {
    const root = path.join(tmp, 'no-steering');
    const dir = await writeSequence(root, 'seq', 0);
    rmSync(path.join(dir, 'sync_steering.txt'));
    const e = await errorOf(readDronetDataset(root, { size: SIZE }));
    expect(e.where).toBe(path.join(dir, 'sync_steering.txt'));
    expect(e.message).toMatch(/missing/);
  });

  it('rejects a count mismatch between images and steering rows, with both counts', async () => {
    const root = path.join(tmp, 'mismatch');
    await writeSequence(root, 'seq', 0, { steering: 'steering\n0.1\n0.2\n' });
    const e = await errorOf(readDronetDataset(root, { size: SIZE }));
    expect(e.message).toMatch(/sync_steering\.txt: has 2 steering rows but .*images has 3 images/);
  });

  it('rejects a non-numeric steering value, naming file and line', async () => {
    const root = path.join(tmp, 'nan');
    await writeSequence(root, 'seq', 0, { steering: 'steering\n0.1\nleft\n0.3\n' });
    const e = await errorOf(readDronetDataset(root, { size: SIZE }));
    expect(e.where).toBe(`${path.join(root, 'seq', 'sync_steering.txt')}: line 3`);
    expect(e.message).toMatch(/"left" is not a number/);
  });

  it('rejects a corrupt image, naming the file', async () => {
    const root = path.join(tmp, 'corrupt');
    const dir = await writeSequence(root, 'seq', 0);
    const bad = path.join(dir, 'images', 'frame_9.png');
    writeFileSync(bad, Buffer.from('this is not a png at all, just garbage bytes \x00\x01\x02'));
    const e = await errorOf(readDronetDataset(root, { size: SIZE }));
    expect(e.where).toBe(bad);
    expect(e.message).toMatch(/cannot decode image/);
  });

  it('uses a pluggable decoder and checks its output size', async () => {
    const root = path.join(tmp, 'good');
    const ds = await readDronetDataset(root, { size: 4, decode: async () => new Uint8Array(16).fill(7) });
    expect(ds.sequences[0].x.every((v) => v === 7)).toBe(true);
    const e = await errorOf(readDronetDataset(root, { size: 4, decode: async () => new Uint8Array(3) }));
    expect(e.message).toMatch(/decoder returned 3 pixels, expected 4x4 = 16/);
    const d = await errorOf(
      readDronetDataset(root, {
        size: 4,
        decode: async () => {
          throw new Error('boom');
        },
      }),
    );
    expect(d.message).toMatch(/frame_8\.png: cannot decode image: boom/);
  });

  it('rejects a folder without images/, naming the folder', async () => {
    const root = path.join(tmp, 'stray');
    await writeSequence(root, 'seq_a', 0);
    mkdirSync(path.join(root, 'notes'));
    const e = await errorOf(readDronetDataset(root, { size: SIZE }));
    expect(e.where).toBe(path.join(root, 'notes'));
    expect(e.message).toMatch(/notes: is not a sequence folder: it has no images\/ folder/);
  });

  it('rejects a root without sequence folders', async () => {
    const root = path.join(tmp, 'empty');
    mkdirSync(root);
    expect((await errorOf(readDronetDataset(root, { size: SIZE }))).message).toMatch(/no sequence folders/);
  });
});

describe('dataset registry', () => {
  it('generates synthetic data and reads DroNet folders (relative to baseDir)', async () => {
    const syn = await loadDataset({ kind: 'synthetic-driving', size: 16, sequences: 3, framesPerSequence: 2, seed: 1 });
    expect(syn.sequences).toHaveLength(3);
    expect(syn.height).toBe(16);
    const real = await loadDataset({ kind: 'dronet', root: 'good', size: 16 }, { baseDir: tmp });
    expect(real.sequences.map((s) => s.id)).toEqual(['seq_a', 'seq_b']);
  });

  it('errors clearly: a missing folder, a bad field, an unknown kind', async () => {
    const missing = await errorOf(loadDataset({ kind: 'dronet', root: 'nope', size: 16 }, { baseDir: tmp }));
    expect(missing.where).toBe('dataset.root');
    expect(missing.message).toMatch(/dataset folder not found: .*nope/);
    const bad = await errorOf(
      loadDataset({ kind: 'synthetic-driving', size: 4, sequences: 3, framesPerSequence: 2, seed: 1 }, { where: 'exp.json: dataset' }),
    );
    expect(bad.where).toBe('exp.json: dataset.size');
    const kind = await errorOf(loadDataset({ kind: 'udacity' } as never));
    expect(kind.message).toMatch(/unknown dataset kind "udacity"/);
  });
});
