/**
 * The one place with unit conversions. Names carry their units everywhere else:
 * `latencyMs`, `modelSizeBits`, `bandwidthBitsPerMs`, `capacityBitsPerSec`.
 */

/** Bit/s to bit/ms, computed as the reference implementation does (`x * 1e-3`). */
export function bitsPerSecToBitsPerMs(bitsPerSec: number): number {
  return bitsPerSec * 1e-3;
}

/** Gbit/s to bit/s. */
export function gbpsToBitsPerSec(gbps: number): number {
  return gbps * 1e9;
}

/** Time in ms to push `sizeBits` through a link of `capacityBitsPerSec` (`size / capacity * 1e3`). */
export function transferMs(sizeBits: number, capacityBitsPerSec: number): number {
  return (sizeBits / capacityBitsPerSec) * 1e3;
}

/** Latency of a path of `distanceKm` in the papers' model: 0.0085 ms per km plus 4 ms. */
export function latencyMsFromKm(distanceKm: number): number {
  return 0.0085 * distanceKm + 4;
}
