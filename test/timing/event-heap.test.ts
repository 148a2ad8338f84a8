import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/random.js';
import { EventHeap } from '../../src/timing/event-heap.js';

describe('event heap', () => {
  it('over 10,000 seeded random pushes and pops, pops in (time, insertion) order, with interleaved pushes, growing from 4 slots', () => {
    const rng = createRng(3);
    const h = new EventHeap(4);
    // reference: a list sorted by (time, sequence)
    const ref: { time: number; seq: number; a: number; b: number }[] = [];
    let seq = 0;
    const got: number[] = [],
      want: number[] = [];
    for (let step = 0; step < 10_000; step++) {
      if (ref.length === 0 || rng.next() < 0.55) {
        // few distinct times so that ties are frequent
        const time = rng.int(50),
          a = rng.int(1000) - 500,
          b = seq;
        h.push(time, a, b);
        ref.push({ time, seq: seq++, a, b });
      } else {
        ref.sort((x, y) => x.time - y.time || x.seq - y.seq);
        const e = ref.shift()!;
        want.push(e.time, e.a, e.b);
        expect(h.pop()).toBe(true);
        got.push(h.topTimeMs, h.topA, h.topB);
      }
      expect(h.size).toBe(ref.length);
    }
    expect(got).toEqual(want);
  });

  it('ties at one time come out first-in first-out; empty pops return false; clear empties', () => {
    const h = new EventHeap();
    for (let i = 0; i < 100; i++) h.push(7, i, 1000 - i);
    h.push(3, 1000, 0);
    expect(h.peekTimeMs()).toBe(3);
    expect(h.pop()).toBe(true);
    expect(h.topA).toBe(1000);
    for (let i = 0; i < 100; i++) {
      expect(h.pop()).toBe(true);
      expect([h.topTimeMs, h.topA, h.topB]).toEqual([7, i, 1000 - i]);
    }
    expect(h.pop()).toBe(false);
    expect(h.peekTimeMs()).toBe(Infinity);
    h.push(1, 1, 1);
    h.push(2, 2, 2);
    h.clear();
    expect(h.size).toBe(0);
    expect(h.pop()).toBe(false);
  });
});
