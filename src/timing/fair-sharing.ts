/**
 * Max-min fair sharing of the access links for the event clock (`./event-clock.ts`): the
 * transfers of a round that share a silo's upload or download link get rates by progressive
 * filling (every unfrozen transfer's rate rises with a common level; a transfer freezes at
 * its path's bottleneck or when one of its two links saturates), recomputed once per instant
 * over the transfers connected to the links that changed, and their transmission ends
 * rescheduled on the clock's event heap.
 */
import { EventHeap } from './event-heap.js';
import type { RoundExchanges } from './exchanges.js';

/** Event kind of a transmission end on the clock's heap (payload `e * 4 + TX_END`). */
export const TX_END = 2;

/** The per-transfer arrays of a round (grown by the clock as rounds grow; read through this object). */
export interface TransferTable {
  /** Transfer e is transmitting. */
  active: Uint8Array;
  /** Version of e's scheduled transmission end (older heap entries are stale). */
  version: Int32Array;
  /** Last refill that reached e. */
  flowStamp: Int32Array;
  /** Bits e still has to send, as of `lastMs[e]`. */
  remBits: Float64Array;
  /** e's current rate (bit/ms). */
  rate: Float64Array;
  /** e's rate being computed (-1: unfrozen). */
  newRate: Float64Array;
  /** When `remBits[e]` was last brought up to date (ms). */
  lastMs: Float64Array;
  /** The transfers of the component being refilled. */
  compFlows: Int32Array;
  /** Next transfer on the same upload link (-1: none). */
  resNextUp: Int32Array;
  /** Next transfer on the same download link (-1: none). */
  resNextDown: Int32Array;
}

/** The fair-sharing state of an event clock over `n` silos (link i: i's upload; n + j: j's download). */
export interface FairSharing {
  /** Head of the list of transfers on each silo's upload link (-1: none). */
  readonly resHeadUp: Int32Array;
  /** Head of the list of transfers on each silo's download link (-1: none). */
  readonly resHeadDown: Int32Array;
  /** Links changed since the last refill. */
  readonly dirtyCount: number;
  /** A transfer started or ended on links r1 and r2. */
  markDirty(r1: number, r2: number): void;
  /** Refill the rates of the transfers connected to the changed links at time `now`; reschedule their ends. */
  refair(r: RoundExchanges, now: number): void;
}

/**
 * The fair-sharing state of an event clock.
 * @param capacity each link's capacity (bit/ms; upload links 0..n-1, download links n..2n-1)
 * @param f the round's per-transfer arrays (read through the object: the clock grows them)
 * @param heap the clock's event heap, where transmission ends are (re)scheduled
 */
export function createFairSharing(n: number, capacity: Float64Array, f: TransferTable, heap: EventHeap): FairSharing {
  const resHeadUp = new Int32Array(n),
    resHeadDown = new Int32Array(n);
  const resStamp = new Int32Array(2 * n);
  const remCap = new Float64Array(2 * n);
  const resVersion = new Int32Array(2 * n);
  const shares = new EventHeap(256);
  const cnt = new Int32Array(2 * n);
  const compRes = new Int32Array(2 * n);
  const queue = new Int32Array(2 * n);
  let stamp = 0;
  // links whose transfers changed (a start or a transmission end) since the last refill: the
  // rates are recomputed once per instant, after every event at that time
  const dirty = new Int32Array(2 * n);
  const dirtyMark = new Uint8Array(2 * n);
  let dirtyCount = 0;
  /** Unfrozen transfers left in the progressive filling. */
  let left = 0;

  /** Freeze transfer e of round r at `level` (bit/ms) and update its two links' fair shares. */
  const freeze = (r: RoundExchanges, e: number, level: number): void => {
    f.newRate[e] = level;
    left--;
    const u = r.from[e],
      d = n + r.to[e];
    cnt[u]--;
    remCap[u] = Math.max(0, remCap[u] - level);
    resVersion[u]++;
    if (cnt[u] > 0) shares.push(remCap[u] / cnt[u], u, resVersion[u]);
    cnt[d]--;
    remCap[d] = Math.max(0, remCap[d] - level);
    resVersion[d]++;
    if (cnt[d] > 0) shares.push(remCap[d] / cnt[d], d, resVersion[d]);
  };
  /** Apply the new rates of the first nF component transfers; reschedule the transmission ends that change. */
  const reschedule = (nF: number, now: number): void => {
    const { compFlows, newRate, rate, version, remBits } = f;
    for (let q = 0; q < nF; q++) {
      const e = compFlows[q];
      if (newRate[e] === rate[e]) continue;
      rate[e] = newRate[e];
      version[e]++;
      const rem = remBits[e] > 0 ? remBits[e] : 0;
      heap.push(rem === 0 || rate[e] === Infinity ? now : now + rem / rate[e], e * 4 + TX_END, version[e]);
    }
  };
  /** The transfers connected to the dirty links through shared links; their count, and the links' in compRes. */
  const component = (r: RoundExchanges): { nR: number; nF: number } => {
    const { active, flowStamp, compFlows, resNextUp, resNextDown } = f;
    stamp++;
    let nR = 0,
      nF = 0,
      qh = 0,
      qt = 0;
    for (let q = 0; q < dirtyCount; q++) {
      const d = dirty[q];
      dirtyMark[d] = 0;
      if (resStamp[d] !== stamp) {
        resStamp[d] = stamp;
        queue[qt++] = d;
        compRes[nR++] = d;
      }
    }
    dirtyCount = 0;
    while (qh < qt) {
      const res = queue[qh++];
      const up = res < n;
      for (let e = up ? resHeadUp[res] : resHeadDown[res - n]; e >= 0; e = up ? resNextUp[e] : resNextDown[e]) {
        if (!active[e] || flowStamp[e] === stamp) continue;
        flowStamp[e] = stamp;
        compFlows[nF++] = e;
        const other = up ? n + r.to[e] : r.from[e];
        if (resStamp[other] !== stamp) {
          resStamp[other] = stamp;
          queue[qt++] = other;
          compRes[nR++] = other;
        }
      }
    }
    return { nR, nF };
  };

  return {
    resHeadUp,
    resHeadDown,
    get dirtyCount() {
      return dirtyCount;
    },
    markDirty(r1, r2) {
      if (!dirtyMark[r1]) {
        dirtyMark[r1] = 1;
        dirty[dirtyCount++] = r1;
      }
      if (!dirtyMark[r2]) {
        dirtyMark[r2] = 1;
        dirty[dirtyCount++] = r2;
      }
    },
    refair(r, now) {
      const { nR, nF } = component(r);
      if (nF === 0) return;
      const { compFlows, lastMs, remBits, rate, newRate, active, flowStamp, resNextUp, resNextDown } = f;
      if (nF === 1) {
        // alone on both its links: the smallest of its path and its two links
        const e = compFlows[0];
        if (now > lastMs[e]) {
          remBits[e] -= rate[e] * (now - lastMs[e]);
          lastMs[e] = now;
        }
        newRate[e] = Math.min(r.pathBitsPerMs[e], capacity[r.from[e]], capacity[n + r.to[e]]);
        reschedule(1, now);
        return;
      }
      // Progressive filling: one priority queue holds each link's current fair share (rem /
      // unfrozen count, stale entries skipped by version) and each transfer's cap (payload -1 - e).
      shares.clear();
      for (let q = 0; q < nR; q++) {
        const res = compRes[q];
        remCap[res] = capacity[res];
        cnt[res] = 0;
        resVersion[res]++;
      }
      for (let q = 0; q < nF; q++) {
        const e = compFlows[q];
        if (now > lastMs[e]) {
          remBits[e] -= rate[e] * (now - lastMs[e]);
          lastMs[e] = now;
        }
        newRate[e] = -1; // unfrozen
        cnt[r.from[e]]++;
        cnt[n + r.to[e]]++;
        shares.push(r.pathBitsPerMs[e], -1 - e, 0);
      }
      for (let q = 0; q < nR; q++) {
        const res = compRes[q];
        if (cnt[res] > 0) shares.push(remCap[res] / cnt[res], res, resVersion[res]);
      }
      left = nF;
      while (left > 0) {
        if (!shares.pop()) throw new Error('event clock: fair sharing ran out of links'); // unreachable: every unfrozen transfer has a cap entry
        const level = shares.topTimeMs,
          a = shares.topA;
        if (a < 0) {
          const e = -1 - a;
          if (newRate[e] < 0) freeze(r, e, level);
        } else if (shares.topB === resVersion[a] && cnt[a] > 0) {
          // link a saturates: freeze its unfrozen transfers
          const up = a < n;
          for (let e = up ? resHeadUp[a] : resHeadDown[a - n]; e >= 0; e = up ? resNextUp[e] : resNextDown[e]) {
            if (active[e] && flowStamp[e] === stamp && newRate[e] < 0) freeze(r, e, level);
          }
        }
      }
      reschedule(nF, now);
    },
  };
}
