/**
 * Seeded random geographic networks for benchmarks and tests: `n` silos with uniform
 * random coordinates in a continent-sized latitude/longitude box, linked to their `k`
 * nearest neighbours, plus the Euclidean (in degrees) minimum spanning tree of the points
 * so that the underlay is always connected. Link lengths are geodesic km between the
 * endpoints (as for Topology Zoo files without `distance`). Pure: the same options give
 * the same network.
 */
import { DflsimInputError } from '../errors.js';
import { createRng } from '../random.js';
import { geodesicKm, type Coordinate, type Underlay, type UnderlayLink } from './underlay.js';

/** Options of {@link generateNetwork}. */
export interface GenerateOptions {
  /** Number of silos (>= 2). */
  n: number;
  /** Seed of the coordinates. */
  seed: number;
  /** Links from each silo to its k nearest neighbours (default 3). */
  nearestNeighbours?: number;
  /** Latitude range (degrees), default [25, 50] (about the contiguous United States). */
  latitudeDeg?: readonly [number, number];
  /** Longitude range (degrees), default [-125, -67]. */
  longitudeDeg?: readonly [number, number];
}

/** A random connected geographic underlay (see the file comment). */
export function generateNetwork(options: GenerateOptions): Underlay {
  const { n, seed } = options;
  const k = options.nearestNeighbours ?? 3;
  const [lat0, lat1] = options.latitudeDeg ?? [25, 50];
  const [lon0, lon1] = options.longitudeDeg ?? [-125, -67];
  if (!Number.isInteger(n) || n < 2) throw new DflsimInputError('generateNetwork.n', `needs an integer of at least 2 silos, got ${n}`);
  if (!Number.isInteger(k) || k < 0)
    throw new DflsimInputError('generateNetwork.nearestNeighbours', `must be a non-negative integer, got ${k}`);
  const rng = createRng(seed);
  const coordinates: Coordinate[] = [];
  for (let i = 0; i < n; i++)
    coordinates.push({ latitude: lat0 + (lat1 - lat0) * rng.next(), longitude: lon0 + (lon1 - lon0) * rng.next() });
  const d2 = (i: number, j: number): number => {
    const dy = coordinates[i].latitude - coordinates[j].latitude;
    const dx =
      (coordinates[i].longitude - coordinates[j].longitude) *
      Math.cos(((coordinates[i].latitude + coordinates[j].latitude) / 2) * (Math.PI / 180));
    return dx * dx + dy * dy;
  };
  const pairs = new Set<number>();
  const add = (a: number, b: number): void => {
    pairs.add(a < b ? a * n + b : b * n + a);
  };
  // k nearest neighbours (ties by index)
  const others = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) others[j] = j;
    const ds = Float64Array.from({ length: n }, (_, j) => (j === i ? Infinity : d2(i, j)));
    others.sort((a, b) => ds[a] - ds[b] || a - b);
    for (let t = 0; t < Math.min(k, n - 1); t++) add(i, others[t]);
  }
  // Prim's MST of the points (O(n²)) for connectivity
  const inTree = new Uint8Array(n);
  const best = new Float64Array(n).fill(Infinity);
  const from = new Int32Array(n).fill(-1);
  best[0] = 0;
  for (let step = 0; step < n; step++) {
    let v = -1;
    for (let j = 0; j < n; j++) if (!inTree[j] && (v < 0 || best[j] < best[v])) v = j;
    inTree[v] = 1;
    if (from[v] >= 0) add(from[v], v);
    for (let j = 0; j < n; j++) {
      if (inTree[j]) continue;
      const d = d2(v, j);
      if (d < best[j]) {
        best[j] = d;
        from[j] = v;
      }
    }
  }
  const links: UnderlayLink[] = [...pairs]
    .sort((x, y) => x - y)
    .map((key) => {
      const a = Math.floor(key / n),
        b = key % n;
      return { a, b, distanceKm: geodesicKm(coordinates[a], coordinates[b]) };
    });
  const width = String(n - 1).length;
  const silos = Array.from({ length: n }, (_, i) => `s${String(i).padStart(width, '0')}`);
  return { name: `random-${n}-seed${seed}`, silos, coordinates, links, source: `generateNetwork(n=${n}, seed=${seed}, k=${k})` };
}
