/**
 * The kernel families a checkpoint may be resumed under: the native kernels with fused
 * multiply-adds ('native-fma', whatever the code path) are a family of their own, so a
 * checkpoint written by the older native kernels (no fused multiply-add: 'native-avx2',
 * 'native-portable') or by XNNPACK ('wasm') is refused with a message naming both and
 * the file, and the same family resumes.
 */
import { describe, expect, it } from 'vitest';
import { checkKernels, kernelFamily } from '../../src/experiment/checkpoint.js';
import { DflsimInputError } from '../../src/errors.js';

const FILE = 'out/checkpoint.bin';

function refusal(written: string, current: string): DflsimInputError {
  try {
    checkKernels(written, current, FILE);
  } catch (e) {
    expect(e).toBeInstanceOf(DflsimInputError);
    return e as DflsimInputError;
  }
  throw new Error(`${written} -> ${current} was not refused`);
}

describe('kernel families', () => {
  it('groups the older native builds, and keeps the fused one and XNNPACK apart', () => {
    expect(kernelFamily('native-avx2')).toBe('native');
    expect(kernelFamily('native-portable')).toBe('native');
    expect(kernelFamily('native-fma')).toBe('native-fma');
    expect(kernelFamily('wasm')).toBe('wasm');
  });

  it('resumes within a family, and checkpoints or runs that do not say', () => {
    expect(() => checkKernels('native-fma', 'native-fma', FILE)).not.toThrow();
    expect(() => checkKernels('native-avx2', 'native-portable', FILE)).not.toThrow();
    expect(() => checkKernels('wasm', 'wasm', FILE)).not.toThrow();
    expect(() => checkKernels(undefined, 'native-fma', FILE)).not.toThrow();
    expect(() => checkKernels('native-avx2', undefined, FILE)).not.toThrow();
  });

  it('refuses a checkpoint of the native kernels without fused multiply-add under the fused ones', () => {
    for (const old of ['native-avx2', 'native-portable']) {
      const e = refusal(old, 'native-fma');
      expect(e.message).toContain(FILE);
      expect(e.message).toContain(
        `trained with the ${old} kernels (an older dflsim's native kernels, without fused multiply-add) and this run has the native-fma kernels`,
      );
      expect(e.message).toMatch(/resume with the dflsim version that wrote it, or use --force to start over/);
    }
  });

  it('refuses across native and XNNPACK both ways, saying what to do', () => {
    expect(refusal('native-fma', 'wasm').message).toMatch(
      /native-fma kernels and this run has the wasm kernels.*build the native kernels here/,
    );
    expect(refusal('wasm', 'native-fma').message).toMatch(/wasm kernels and this run has the native-fma kernels.*DFLSIM_NATIVE=0/);
    expect(refusal('native-avx2', 'wasm').message).toMatch(/build the native kernels here/);
  });

  it('refuses a fused checkpoint under an addon built from older sources', () => {
    expect(refusal('native-fma', 'native-avx2').message).toMatch(/rebuild the native kernels \(npm run build\)/);
  });
});
