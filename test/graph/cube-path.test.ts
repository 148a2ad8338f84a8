/** δ-MBST's cube algorithm: a Hamiltonian path in the cube of a tree (src/overlay/delta-mbst.ts). */
import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/random.js';
import { cubeHamiltonianPath } from '../../src/overlay/delta-mbst.js';

function treeDistances(n: number, tree: ReadonlyArray<readonly [number, number]>): number[][] {
  const adj: number[][] = Array.from({ length: n }, () => []);
  for (const [a, b] of tree) {
    adj[a].push(b);
    adj[b].push(a);
  }
  return Array.from({ length: n }, (_, s) => {
    const d = new Array<number>(n).fill(-1);
    d[s] = 0;
    const q = [s];
    while (q.length) {
      const v = q.shift()!;
      for (const u of adj[v])
        if (d[u] < 0) {
          d[u] = d[v] + 1;
          q.push(u);
        }
    }
    return d;
  });
}

describe('cubeHamiltonianPath', () => {
  it('hand cases: even depths on entry, odd depths on exit', () => {
    // path 0-1-2-3-4: enter 0, 2, 4; leave 3, then 1
    expect(
      cubeHamiltonianPath(5, [
        [0, 1],
        [1, 2],
        [2, 3],
        [3, 4],
      ]),
    ).toEqual([0, 2, 4, 3, 1]);
    // star around 0: the leaves (depth 1) as they are left, in index order
    expect(
      cubeHamiltonianPath(4, [
        [0, 3],
        [0, 1],
        [0, 2],
      ]),
    ).toEqual([0, 1, 2, 3]);
    // spider 0-1, 1-2, 1-3, 0-4: enter 0; enter 2, 3 (depth 2); leave 1; leave 4
    expect(
      cubeHamiltonianPath(5, [
        [0, 1],
        [1, 2],
        [1, 3],
        [0, 4],
      ]),
    ).toEqual([0, 2, 3, 1, 4]);
    // the same path rooted at 2: enter 2, 0 (depth 2); leave 1; enter 4; leave 3 (1 to 4 is 3 hops)
    expect(
      cubeHamiltonianPath(
        5,
        [
          [0, 1],
          [1, 2],
          [2, 3],
          [3, 4],
        ],
        2,
      ),
    ).toEqual([2, 0, 1, 4, 3]);
  });

  it('random trees: a permutation whose consecutive silos are at most 3 tree hops apart', () => {
    const rng = createRng(3);
    for (let trial = 0; trial < 50; trial++) {
      const n = 2 + rng.int(30);
      const tree: [number, number][] = [];
      for (let v = 1; v < n; v++) tree.push([rng.int(v), v]);
      const path = cubeHamiltonianPath(n, tree);
      expect([...path].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
      const d = treeDistances(n, tree);
      for (let i = 0; i + 1 < n; i++) expect(d[path[i]][path[i + 1]]).toBeLessThanOrEqual(3);
    }
  });
});
