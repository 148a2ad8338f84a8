/**
 * What the image readers share (image-folder.ts, dronet-reader.ts): decoding one image with
 * `sharp` (libvips, loaded on first use) to a fixed size, and decoding many a few at a time.
 */
import { DflsimInputError } from '../errors.js';

/** Largest input image a reader decodes (pixels): bounds the memory one file can take. */
export const MAX_INPUT_PIXELS = 100_000_000;

let sharpModule: Promise<unknown> | undefined;

/**
 * One image with `sharp`: flatten any alpha on black, grayscale (1 channel) or sRGB (3),
 * resize to cover `height x width`, centre-crop. Inputs above {@link MAX_INPUT_PIXELS} pixels
 * are refused.
 * @param reader the reader to name when sharp is missing (its `decode` option is the way out)
 * @returns `height * width * channels` bytes, row-major, channels last
 */
export async function decodeImage(file: string, height: number, width: number, channels: 1 | 3, reader: string): Promise<Uint8Array> {
  sharpModule ??= import('sharp').catch((e: unknown) => {
    sharpModule = undefined;
    throw new DflsimInputError(
      'sharp',
      `the image library "sharp" is not installed (${(e as Error).message}); install it (npm install sharp) or pass a decoder to ${reader}`,
    );
  });
  const sharp = ((await sharpModule) as typeof import('sharp')).default;
  let img = sharp(file, { failOn: 'error', limitInputPixels: MAX_INPUT_PIXELS }).flatten({ background: { r: 0, g: 0, b: 0 } });
  img = channels === 1 ? img.grayscale() : img.toColourspace('srgb');
  const { data, info } = await img.resize(width, height, { fit: 'cover', position: 'centre' }).raw().toBuffer({ resolveWithObject: true });
  if (info.width !== width || info.height !== height)
    throw new Error(`decoded to ${info.width}x${info.height}, expected ${width}x${height}`);
  const n = height * width;
  if (info.channels === channels) return new Uint8Array(data.buffer, data.byteOffset, n * channels);
  const out = new Uint8Array(n * channels);
  for (let i = 0; i < n; i++)
    for (let c = 0; c < channels; c++) out[i * channels + c] = data[i * info.channels + Math.min(c, info.channels - 1)];
  return out;
}

/** Run `f` over `items` with at most `limit` at once; the first failure stops new starts and is thrown. */
export async function forEachLimited<T>(items: readonly T[], limit: number, f: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        await f(items[i], i);
      } catch (e) {
        failed = true;
        throw e;
      }
    }
  });
  await Promise.all(workers);
}
