import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readImageFolder } from '../../src/data/image-folder.js';
import { DflsimInputError } from '../../src/errors.js';

let tmp: string;

/** A solid image of `w x h` pixels, grey level `v` (or RGB). */
async function solid(
  file: string,
  w: number,
  h: number,
  colour: number | [number, number, number],
  format: 'png' | 'jpeg' = 'png',
): Promise<void> {
  mkdirSync(path.dirname(file), { recursive: true });
  const [r, g, b] = typeof colour === 'number' ? [colour, colour, colour] : colour;
  const img = sharp({ create: { width: w, height: h, channels: 3, background: { r, g, b } } });
  await (format === 'png' ? img.png() : img.jpeg({ quality: 100 })).toFile(file);
}

/** An 8x4 grayscale PNG: columns 0..7 have grey levels 0, 30, 60, ..., 210. */
async function stripes(file: string): Promise<void> {
  const px = Buffer.alloc(8 * 4);
  for (let r = 0; r < 4; r++) for (let c = 0; c < 8; c++) px[r * 8 + c] = 30 * c;
  mkdirSync(path.dirname(file), { recursive: true });
  await sharp(px, { raw: { width: 8, height: 4, channels: 1 } })
    .png()
    .toFile(file);
}

async function inputError(p: Promise<unknown>): Promise<DflsimInputError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof DflsimInputError) return e;
    throw e;
  }
  throw new Error('expected an input error');
}

beforeAll(async () => {
  tmp = mkdtempSync(path.join(tmpdir(), 'dflsim-images-'));
  const classes = path.join(tmp, 'classes');
  await solid(path.join(classes, 'dog', 'b.png'), 6, 6, 200);
  await solid(path.join(classes, 'dog', 'a.jpg'), 5, 7, 100, 'jpeg');
  await solid(path.join(classes, 'cat', 'z.png'), 3, 3, 0);
  writeFileSync(path.join(classes, 'README.txt'), 'top-level notes are ignored');
  mkdirSync(path.join(classes, '.cache'));
  writeFileSync(path.join(classes, 'cat', '.DS_Store'), 'hidden files are ignored');
  const csv = path.join(tmp, 'table');
  await stripes(path.join(csv, 'img', 'one.png'));
  await solid(path.join(csv, 'img', 'two.png'), 4, 4, [255, 0, 0]);
  await solid(path.join(csv, 'img', 'three.png'), 4, 4, [0, 0, 255]);
  writeFileSync(path.join(csv, 'labels.csv'), 'file,label,site\nimg/one.png,0.25,a\nimg/two.png,-1.5,b\nimg/three.png,3,a\n');
  writeFileSync(path.join(csv, 'classes.csv'), 'path,kind\nimg/two.png,red\nimg/three.png,blue\n');
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('image folders', () => {
  it('class subfolders: class = folder name (sorted), images by name, grey levels scaled to [0, 1]', async () => {
    const ds = await readImageFolder(path.join(tmp, 'classes'), { size: 4, channels: 1 });
    expect(ds).toMatchObject({ name: 'classes', sampleShape: [4, 4, 1], count: 3, labelKind: 'class', classes: ['cat', 'dog'] });
    expect(Array.from(ds.y)).toEqual([0, 1, 1]); // cat/z.png, dog/a.jpg, dog/b.png
    const mean = (i: number): number => ds.x.subarray(i * 16, (i + 1) * 16).reduce((a, b) => a + b, 0) / 16;
    expect(mean(0)).toBe(0);
    // JPEG is lossy: a solid grey 100 decodes within 1 level of 100 (measured: exact)
    expect(Math.abs(mean(1) - 100 / 255)).toBeLessThan(1 / 255);
    expect(Array.from(ds.x.subarray(32, 48))).toEqual(new Array(16).fill(Math.fround(200 / 255)));
  });

  it('resizes to cover and centre-crops (a CSV of files and regression targets), RGB with 3 channels', async () => {
    const ds = await readImageFolder(path.join(tmp, 'table'), { height: 4, width: 4, channels: 3, labels: 'labels.csv', group: 'site' });
    expect(ds).toMatchObject({
      sampleShape: [4, 4, 3],
      count: 3,
      labelKind: 'value',
      targets: 1,
      groups: ['a', 'b', 'a'],
      groupField: 'site',
    });
    expect(Array.from(ds.y)).toEqual([0.25, -1.5, 3]);
    // one.png is 8x4: covering 4x4 keeps the height and crops columns 2..5 (grey 60, 90, 120, 150), each grey in all 3 channels
    const row = Array.from(ds.x.subarray(0, 12), (v) => Math.round(v * 255));
    expect(row).toEqual([60, 60, 60, 90, 90, 90, 120, 120, 120, 150, 150, 150]);
    expect(Array.from(ds.x.subarray(48, 51))).toEqual([1, 0, 0]); // two.png is red
    expect(Array.from(ds.x.subarray(96, 99))).toEqual([0, 0, 1]); // three.png is blue
    const gray = await readImageFolder(path.join(tmp, 'table'), { size: 2, channels: 1, labels: 'labels.csv', name: 'stripes' });
    expect(gray).toMatchObject({ name: 'stripes', sampleShape: [2, 2, 1], labelKind: 'value' });
    // stripes shrunk to 2x2 after the crop: the left half averages grey 60 and 90, the right 120 and 150 (measured: exact; 1 level allowed for libvips rounding)
    const left = Math.round(gray.x[0] * 255),
      right = Math.round(gray.x[1] * 255);
    expect(Math.abs(left - 75)).toBeLessThanOrEqual(1);
    expect(Math.abs(right - 135)).toBeLessThanOrEqual(1);
    const notClass = await inputError(
      readImageFolder(path.join(tmp, 'table'), { size: 2, channels: 1, labels: 'labels.csv', task: 'class' }),
    );
    expect(notClass.message).toBe(
      `${path.join(tmp, 'table', 'labels.csv')}:2: label: class label 0.25 is not an integer in 0..99999 (task is "class")`,
    );
  });

  it('text labels from a CSV are classes; the file and label columns can be named', async () => {
    const ds = await readImageFolder(path.join(tmp, 'table'), {
      size: 2,
      channels: 3,
      labels: 'classes.csv',
      fileColumn: 'path',
      labelColumn: 'kind',
    });
    expect(ds.classes).toEqual(['blue', 'red']);
    expect(Array.from(ds.y)).toEqual([1, 0]);
  });

  it('keeps paths inside the folder: "../", absolute paths and links out are refused', async () => {
    const dir = path.join(tmp, 'escape');
    await solid(path.join(dir, 'in.png'), 2, 2, 9);
    await solid(path.join(tmp, 'outside.png'), 2, 2, 9);
    writeFileSync(path.join(dir, 'up.csv'), 'file,label\nin.png,1\n../outside.png,2\n');
    const up = await inputError(readImageFolder(dir, { size: 2, channels: 1, labels: 'up.csv' }));
    expect(up.message).toBe(`${path.join(dir, 'up.csv')}:3: "../outside.png" leaves the image folder ${dir}; paths must stay inside it`);
    writeFileSync(path.join(dir, 'abs.csv'), `file,label\n${path.join(tmp, 'outside.png')},2\n`);
    expect((await inputError(readImageFolder(dir, { size: 2, channels: 1, labels: 'abs.csv' }))).message).toContain('is an absolute path');
    symlinkSync(path.join(tmp, 'outside.png'), path.join(dir, 'link.png'));
    writeFileSync(path.join(dir, 'link.csv'), 'file,label\nlink.png,2\n');
    const link = await inputError(readImageFolder(dir, { size: 2, channels: 1, labels: 'link.csv' }));
    expect(link.where).toBe(`${path.join(dir, 'link.csv')}:2`);
    expect(link.message).toContain('outside the image folder');
    expect((await inputError(readImageFolder(dir, { size: 2, channels: 1, labels: '../up.csv' }))).where).toBe('dataset: labels');
    // class folders: a linked image and a linked folder leading out
    const cls = path.join(tmp, 'linked-classes');
    await solid(path.join(cls, 'a', 'x.png'), 2, 2, 9);
    symlinkSync(path.join(tmp, 'outside.png'), path.join(cls, 'a', 'y.png'));
    expect((await inputError(readImageFolder(cls, { size: 2, channels: 1 }))).message).toContain('outside the image folder');
    const cls2 = path.join(tmp, 'linked-dir');
    await solid(path.join(cls2, 'a', 'x.png'), 2, 2, 9);
    symlinkSync(path.join(tmp, 'classes', 'dog'), path.join(cls2, 'b'));
    expect((await inputError(readImageFolder(cls2, { size: 2, channels: 1 }))).message).toContain('outside the image folder');
    // a link that stays inside is fine
    const cls3 = path.join(tmp, 'inner-link');
    await solid(path.join(cls3, 'a', 'x.png'), 2, 2, 9);
    mkdirSync(path.join(cls3, 'b'));
    symlinkSync(path.join(cls3, 'a', 'x.png'), path.join(cls3, 'b', 'x.png'));
    expect(Array.from((await readImageFolder(cls3, { size: 2, channels: 1 })).y)).toEqual([0, 1]);
  });

  it('refuses a non-image file, a broken image, a missing image or column, naming the file', async () => {
    const bad = path.join(tmp, 'bad');
    await solid(path.join(bad, 'a', 'x.png'), 2, 2, 9);
    writeFileSync(path.join(bad, 'a', 'notes.txt'), 'hello');
    const txt = await inputError(readImageFolder(bad, { size: 2, channels: 1 }));
    expect(txt.where).toBe(path.join(bad, 'a', 'notes.txt'));
    expect(txt.message).toContain('is not an image');
    const broken = path.join(tmp, 'broken');
    await solid(path.join(broken, 'a', 'x.png'), 2, 2, 9);
    writeFileSync(path.join(broken, 'a', 'y.png'), 'not a png at all');
    const dec = await inputError(readImageFolder(broken, { size: 2, channels: 1 }));
    expect(dec.where).toBe(path.join(broken, 'a', 'y.png'));
    expect(dec.message).toContain('cannot decode image');
    const t = path.join(tmp, 'table');
    writeFileSync(path.join(t, 'missing.csv'), 'file,label\nimg/nine.png,1\n');
    expect((await inputError(readImageFolder(t, { size: 2, channels: 1, labels: 'missing.csv' }))).message).toBe(
      `${path.join(t, 'missing.csv')}:2: ${path.join(t, 'img', 'nine.png')} not found`,
    );
    writeFileSync(path.join(t, 'nolabel.csv'), 'file,steering\nimg/one.png,1\n');
    expect((await inputError(readImageFolder(t, { size: 2, channels: 1, labels: 'nolabel.csv' }))).message).toContain(
      'label column "label" is not in the header',
    );
    const stray = path.join(tmp, 'stray');
    await solid(path.join(stray, 'a', 'x.png'), 2, 2, 9);
    await solid(path.join(stray, 'loose.png'), 2, 2, 9);
    expect((await inputError(readImageFolder(stray, { size: 2, channels: 1 }))).message).toContain('outside the class folders');
    expect((await inputError(readImageFolder(path.join(tmp, 'nowhere'), { size: 2, channels: 1 }))).message).toContain('not found');
    expect((await inputError(readImageFolder(t, { size: 0, channels: 1 }))).where).toBe('dataset: size');
    expect((await inputError(readImageFolder(t, { size: 2, channels: 2 as 1 }))).where).toBe('dataset: channels');
  });

  it('bounds the image count and the pixels held before decoding', async () => {
    const dir = path.join(tmp, 'classes');
    expect((await inputError(readImageFolder(dir, { size: 4, channels: 1, maxImages: 2 }))).message).toContain(
      'has 3 images, more than the 2',
    );
    // 3 images of 64x64x3 floats take 144 KiB
    const e = await inputError(readImageFolder(dir, { size: 64, channels: 3, maxBytes: 100 * 1024 }));
    expect(e.message).toContain('use fewer or smaller images');
    let decoded = 0;
    await inputError(
      readImageFolder(dir, {
        size: 64,
        channels: 3,
        maxBytes: 100 * 1024,
        decode: () => {
          decoded++;
          return Promise.resolve(new Uint8Array(64 * 64 * 3));
        },
      }),
    );
    expect(decoded).toBe(0);
  });
});
