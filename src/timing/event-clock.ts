/**
 * The event-driven clock: a discrete-event simulation of each silo's local steps and each
 * transfer of each round's exchanges (`timing/exchanges.ts`), lazily extended over rounds.
 * It implements {@link RoundClock} like the max-plus clock (`./max-plus.ts`), and adds
 * fair sharing of the access links, stragglers (`timing/stragglers.ts`) and failures
 * (`timing/availability.ts`), and a per-silo, per-round breakdown (compute, send, wait)
 * for Gantt charts and metrics.
 *
 * Events (one binary heap, `timing/event-heap.ts`, keyed by time, ties by sequence number):
 * - a silo's compute ends: it launches the round's transfers that start then;
 * - a transfer starts (one launched in an earlier round, the multigraph's `launchRound`;
 *   a round-trip answer starts when the transfer it answers arrives);
 * - a transfer's transmission ends (its M bits have crossed the access links; under fair
 *   sharing it frees its share and the rates are recomputed);
 * - a transfer arrives (transmission end + latency);
 * - a silo finishes the round when its compute is done and all the round's transfers
 *   into it have arrived (detected at the event that completes it): `t_j(k+1)`, the
 *   start of its next round.
 *
 * Sharing (`sharing`):
 * - `fixed` (default, the papers' model): each transfer's rate is fixed at
 *   `min(up(i) / upShare, down(j) / downShare, bandwidth(i,j))`, so that it takes
 *   `fixedTransferMs` (`x(i,j)`) and the clock equals the max-plus clock to rounding (it
 *   adds the compute end t + C_i, then x(i,j), where max-plus adds t + d(i,j)). The
 *   transmission end is then known at the start and needs no event of its own.
 * - `fair`: concurrent transfers share each access link max-min fairly (progressive
 *   filling, each transfer also capped by its own path bandwidth); when a transfer starts
 *   or its transmission ends the rates of the transfers connected to it through shared
 *   links are recomputed. A transfer is transmission (M bits at its varying rate), then
 *   latency. The resources are the sender's upload link and the receiver's download link,
 *   SHARED ONLY AMONG THE TRANSFERS OF THE SAME ROUND: the upload link of silo i in round k
 *   is shared by the transfers of round k's exchanges sent by i, the download link of j by
 *   those of round k into j (the papers' assumption that a round's copies own the access
 *   links). A multigraph transfer listed in round k but launched in an earlier round (in
 *   flight over weak rounds) keeps round k's resources. Since at most upShare (downShare)
 *   transfers are ever on a link, max-min fairness gives every transfer at every instant
 *   at least its fixed rate, so `fair` is never slower than `fixed`. It also makes rounds
 *   independent resource-wise, so the simulation runs round by round: round k's events
 *   depend only on earlier rounds' silo times, exactly as the max-plus recursion does.
 *
 * Stragglers multiply silo j's compute of round k by `m_j(k)`; failures drop transfers and
 * idle down silos (semantics in `timing/availability.ts`). Both only exist here.
 *
 * Breakdown of silo j in round k ({@link EventClock.breakdown}):
 * - `startMs`, `endMs`: `t_j(k)` and `t_j(k+1)` (as {@link RoundClock.silos});
 * - compute interval `[computeStartMs, computeStartMs + computeMs]`: it starts at `t_j(k)`
 *   (`async`) or at the barrier `T_k` (`barrier`, `round-trip`); `computeMs` is 0 for a down
 *   silo (it idles);
 * - `waitMs = (endMs - startMs) - computeMs`, so compute + wait = the round's duration at
 *   that silo (the wait covers the barrier and the arrivals; a down silo waits all round);
 * - sending interval `[computeEndMs, sendEndMs]`: from its compute end to the end of the
 *   transmission (upload) of its last transfer launched in that round; `sendMs` is its
 *   length, the time its uploads took (0 when it launched nothing). Sending overlaps
 *   waiting and may outlast the round (a multigraph transfer in flight over weak rounds).
 *   A transfer listed in round k' but launched in round k (`launchRound`) counts in round
 *   k's sending: `breakdown(k)` therefore first computes up to round
 *   `k + launchLagRounds`, and a transfer launched more than that before its listed round,
 *   into an already reported round, is an error (set `launchLagRounds` to the largest
 *   multiplicity minus one for the multigraph).
 */
import { DflsimInputError } from '../errors.js';
import { applyAvailability, availability as availabilityOf, type AvailabilitySpec, type RoundAvailability } from './availability.js';
import { EventHeap } from './event-heap.js';
import type { SiloTimes } from './delay-model.js';
import { fixedTransferMs, fixedTransmissionMs, type RoundClock, type RoundExchanges, type SiloRoundTimes } from './exchanges.js';
import { stragglers as stragglersOf, type StragglerSpec } from './stragglers.js';

/** How concurrent transfers share the access links (see the file comment). */
export type Sharing = 'fixed' | 'fair';

/** Options of {@link eventClock}. */
export interface EventClockOptions {
  /** `fixed` (default) or `fair`. */
  sharing?: Sharing;
  /** Random per-round compute multipliers (default: none). */
  stragglers?: StragglerSpec;
  /** Silos and links down (default: none). */
  availability?: AvailabilitySpec;
  /** Seed of the stragglers and random failures (default 0). */
  seed?: number;
  /** Rounds a transfer may be launched before the round that lists it, for the breakdown (default 0). */
  launchLagRounds?: number;
}

/** Defaults of {@link EventClockOptions}. */
export const DEFAULT_EVENT_CLOCK_OPTIONS: Readonly<Required<Pick<EventClockOptions, 'sharing' | 'seed' | 'launchLagRounds'>>> = {
  sharing: 'fixed',
  seed: 0,
  launchLagRounds: 0,
};

/** Per-silo breakdown of one round (ms since the start unless a name says a duration). */
export interface SiloRoundBreakdown extends SiloRoundTimes {
  /** When the silo's compute started. */
  computeStartMs: Float64Array;
  /** How long it computed (ms; 0 when down). */
  computeMs: Float64Array;
  /** End of the upload of its last transfer launched in this round (= compute end when none). */
  sendEndMs: Float64Array;
  /** sendEndMs - compute end (ms). */
  sendMs: Float64Array;
  /** (endMs - startMs) - computeMs (ms). */
  waitMs: Float64Array;
  /** 1 when the silo was down in this round. */
  down: Uint8Array;
}

/** Per-silo sums over rounds 0..k (ms). */
export interface SiloTotals {
  computeMs: Float64Array;
  sendMs: Float64Array;
  waitMs: Float64Array;
}

/** The event-driven clock: a {@link RoundClock} with per-silo breakdowns. */
export interface EventClock extends RoundClock {
  /** Silo j's compute, send and wait in round k (computes up to round k + launchLagRounds). */
  breakdown(round: number): SiloRoundBreakdown;
  /** Per-silo sums of compute, send and wait over rounds 0..k (computes up to round k + launchLagRounds). */
  totals(round: number): SiloTotals;
  /** Number of events processed so far. */
  readonly eventCount: number;
}

const COMPUTE_END = 0, START = 1, TX_END = 2, ARRIVE = 3;

/**
 * The event-driven clock over each round's exchanges (see the file comment).
 * @param s per-silo times (compute C_j, M / up(j), M / down(j) in ms; M in bits)
 * @param exchanges the transfers of round k (called once per round, in order)
 * @param options sharing, stragglers, availability, seed
 */
export function eventClock(s: SiloTimes, exchanges: (round: number) => RoundExchanges, options: EventClockOptions = {}): EventClock {
  const n = s.n;
  const sharing = options.sharing ?? DEFAULT_EVENT_CLOCK_OPTIONS.sharing;
  if (sharing !== 'fixed' && sharing !== 'fair') throw new DflsimInputError('sharing', `must be "fixed" or "fair", got ${JSON.stringify(sharing)}`);
  const seed = options.seed ?? DEFAULT_EVENT_CLOCK_OPTIONS.seed;
  const lag = options.launchLagRounds ?? DEFAULT_EVENT_CLOCK_OPTIONS.launchLagRounds;
  if (!Number.isInteger(lag) || lag < 0) throw new DflsimInputError('launchLagRounds', `must be a non-negative integer, got ${lag}`);
  const fair = sharing === 'fair';
  const strag = options.stragglers ? stragglersOf(options.stragglers, n, seed) : undefined;
  const availFn = options.availability ? availabilityOf(options.availability, n, seed) : undefined;
  const C = s.computeMs, M = s.modelSizeBits;
  // access link capacities (bit/ms): resource i is silo i's upload, n + j silo j's download
  const capacity = new Float64Array(2 * n);
  for (let j = 0; j < n; j++) {
    capacity[j] = s.uploadMs[j] > 0 ? M / s.uploadMs[j] : Infinity;
    capacity[n + j] = s.downloadMs[j] > 0 ? M / s.downloadMs[j] : Infinity;
  }

  // --- per-round records ---
  /** t[k][j] = t_j(k); t[0] = 0. */
  const t: Float64Array[] = [new Float64Array(n)];
  /** Compute start of silo j in round k (null: t[k], the async case). */
  const cStart: (Float64Array | null)[] = [];
  /** Compute time of silo j in round k, 0 when down (null: C, nominal). */
  const cMs: (Float64Array | null)[] = [];
  /** End of the last upload launched by j in round k (-Infinity: none). */
  const sendEnd: Float64Array[] = [];
  const downs: (RoundAvailability | null)[] = [];
  const ends: number[] = [];
  let finalized = -1; // rounds <= finalized have had their breakdown reported
  let events = 0;

  // --- per-round scratch (grown as needed) ---
  const heap = new EventHeap(1024);
  let cap = 0;
  let launchRound = new Int32Array(0);
  let launchNext = new Int32Array(0); // linked lists: transfers launched at a silo's compute end
  let answerHead = new Int32Array(0), answerNext = new Int32Array(0);
  let resNextUp = new Int32Array(0), resNextDown = new Int32Array(0);
  let active = new Uint8Array(0), version = new Int32Array(0), flowStamp = new Int32Array(0);
  let remBits = new Float64Array(0), rate = new Float64Array(0), newRate = new Float64Array(0), lastMs = new Float64Array(0);
  let compFlows = new Int32Array(0);
  const launchHead = new Int32Array(n);
  const resHeadUp = new Int32Array(n), resHeadDown = new Int32Array(n);
  const pending = new Int32Array(n);
  const computeDone = new Uint8Array(n);
  const idleEnd = new Float64Array(n);
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
  const markDirty = (r1: number, r2: number): void => {
    if (!dirtyMark[r1]) { dirtyMark[r1] = 1; dirty[dirtyCount++] = r1; }
    if (!dirtyMark[r2]) { dirtyMark[r2] = 1; dirty[dirtyCount++] = r2; }
  };
  const grow = (E: number): void => {
    if (E <= cap) return;
    cap = Math.max(E, 2 * cap, 16);
    launchRound = new Int32Array(cap); launchNext = new Int32Array(cap);
    answerHead = new Int32Array(cap); answerNext = new Int32Array(cap);
    resNextUp = new Int32Array(cap); resNextDown = new Int32Array(cap);
    active = new Uint8Array(cap); version = new Int32Array(cap); flowStamp = new Int32Array(cap);
    remBits = new Float64Array(cap); rate = new Float64Array(cap); newRate = new Float64Array(cap); lastMs = new Float64Array(cap);
    compFlows = new Int32Array(cap);
  };

  const computeEndOf = (L: number, i: number): number => {
    const st = cStart[L] ? cStart[L]![i] : t[L][i];
    return st + (cMs[L] ? cMs[L]![i] : C[i]);
  };

  /** Unfrozen transfers left in the progressive filling. */
  let left = 0;
  /** Freeze transfer e of round r at `level` (bit/ms) and update its two links' fair shares. */
  const freeze = (r: RoundExchanges, e: number, level: number): void => {
    newRate[e] = level;
    left--;
    const u = r.from[e], d = n + r.to[e];
    cnt[u]--; remCap[u] = Math.max(0, remCap[u] - level); resVersion[u]++;
    if (cnt[u] > 0) shares.push(remCap[u] / cnt[u], u, resVersion[u]);
    cnt[d]--; remCap[d] = Math.max(0, remCap[d] - level); resVersion[d]++;
    if (cnt[d] > 0) shares.push(remCap[d] / cnt[d], d, resVersion[d]);
  };
  /** Apply the new rates of the first nF component transfers; reschedule the transmission ends that change. */
  const reschedule = (nF: number, now: number): void => {
    for (let q = 0; q < nF; q++) {
      const e = compFlows[q];
      if (newRate[e] === rate[e]) continue;
      rate[e] = newRate[e];
      version[e]++;
      const rem = remBits[e] > 0 ? remBits[e] : 0;
      heap.push(rem === 0 || rate[e] === Infinity ? now : now + rem / rate[e], e * 4 + TX_END, version[e]);
    }
  };

  /**
   * Max-min fair rates (progressive filling) of the active transfers connected to the dirty
   * links through shared links, at time now; reschedules the transmission ends that change.
   */
  const refair = (r: RoundExchanges, now: number): void => {
    stamp++;
    let nR = 0, nF = 0, qh = 0, qt = 0;
    for (let q = 0; q < dirtyCount; q++) {
      const d = dirty[q];
      dirtyMark[d] = 0;
      if (resStamp[d] !== stamp) { resStamp[d] = stamp; queue[qt++] = d; compRes[nR++] = d; }
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
        if (resStamp[other] !== stamp) { resStamp[other] = stamp; queue[qt++] = other; compRes[nR++] = other; }
      }
    }
    if (nF === 0) return;
    if (nF === 1) {
      // alone on both its links: the smallest of its path and its two links
      const e = compFlows[0];
      if (now > lastMs[e]) { remBits[e] -= rate[e] * (now - lastMs[e]); lastMs[e] = now; }
      newRate[e] = Math.min(r.pathBitsPerMs[e], capacity[r.from[e]], capacity[n + r.to[e]]);
      reschedule(1, now);
      return;
    }
    // Progressive filling: every unfrozen transfer's rate rises with a common level; a
    // transfer freezes when it reaches its path cap or one of its two links saturates. One
    // priority queue holds each link's current fair share (rem / unfrozen count, stale
    // entries skipped by version) and each transfer's cap (payload -1 - e).
    shares.clear();
    for (let q = 0; q < nR; q++) { const res = compRes[q]; remCap[res] = capacity[res]; cnt[res] = 0; resVersion[res]++; }
    for (let q = 0; q < nF; q++) {
      const e = compFlows[q];
      if (now > lastMs[e]) { remBits[e] -= rate[e] * (now - lastMs[e]); lastMs[e] = now; }
      newRate[e] = -1; // unfrozen
      cnt[r.from[e]]++; cnt[n + r.to[e]]++;
      shares.push(r.pathBitsPerMs[e], -1 - e, 0);
    }
    for (let q = 0; q < nR; q++) { const res = compRes[q]; if (cnt[res] > 0) shares.push(remCap[res] / cnt[res], res, resVersion[res]); }
    left = nF;
    while (left > 0) {
      if (!shares.pop()) throw new Error('event clock: fair sharing ran out of links'); // unreachable: every unfrozen transfer has a cap entry
      const level = shares.topTimeMs, a = shares.topA;
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
  };

  const simulate = (k: number): void => {
    let r = exchanges(k);
    let down: RoundAvailability | null = null;
    if (availFn) {
      down = availFn(k);
      r = applyAvailability(r, down, (L) => downs[L] ?? availFn(L), k);
    }
    downs.push(down);
    const E = r.from.length;
    grow(E);
    const async = r.sync === 'async';
    const T = k > 0 ? ends[k - 1] : 0;
    const start = t[k];
    // compute times
    let cm: Float64Array | null = null;
    if (strag || down) {
      cm = new Float64Array(n);
      if (strag) strag.fill(k, cm);
      else cm.fill(1);
      for (let j = 0; j < n; j++) cm[j] = down && down.silos[j] ? 0 : C[j] * cm[j];
    }
    cMs.push(cm);
    let cs: Float64Array | null = null;
    if (!async) { cs = new Float64Array(n).fill(T); }
    cStart.push(cs);
    const se = new Float64Array(n).fill(-Infinity);
    sendEnd.push(se);
    // lists
    launchHead.fill(-1);
    pending.fill(0);
    computeDone.fill(0);
    if (fair) { resHeadUp.fill(-1); resHeadDown.fill(-1); }
    const hasAnswers = !async && r.sync === 'round-trip' && r.answers !== undefined;
    heap.clear();
    if (hasAnswers) answerHead.fill(-1, 0, E);
    for (let e = E - 1; e >= 0; e--) {
      const i = r.from[e], j = r.to[e];
      pending[j]++;
      let L = k;
      if (async && r.launchRound) {
        L = r.launchRound[e];
        if (L > k || L < 0) throw new RangeError(`event clock: round ${k} transfer ${i} -> ${j} launched in round ${L}`);
      }
      if (L <= finalized) throw new RangeError(`event clock: round ${k} transfer ${i} -> ${j} launched in round ${L}, whose breakdown was already reported (raise launchLagRounds above ${lag})`);
      launchRound[e] = L;
      if (fair) {
        resNextUp[e] = resHeadUp[i]; resHeadUp[i] = e;
        resNextDown[e] = resHeadDown[j]; resHeadDown[j] = e;
        active[e] = 0; version[e] = 0; rate[e] = 0; remBits[e] = M; flowStamp[e] = 0;
      }
      const a = hasAnswers ? r.answers![e] : -1;
      if (a >= e) throw new RangeError(`event clock: round ${k} transfer ${e} answers a later transfer ${a}`);
      if (a >= 0) { answerNext[e] = answerHead[a]; answerHead[a] = e; }
      else if (L === k) { launchNext[e] = launchHead[i]; launchHead[i] = e; }
      else heap.push(computeEndOf(L, i), e * 4 + START, 0);
    }
    for (let j = 0; j < n; j++) {
      const st = cs ? cs[j] : start[j];
      const c = cm ? cm[j] : C[j];
      // a down silo idles for its nominal compute time
      idleEnd[j] = down && down.silos[j] ? st + C[j] : st + c;
      heap.push(idleEnd[j], j * 4 + COMPUTE_END, 0);
    }
    const next = new Float64Array(n);
    const startTransfer = (e: number, now: number): void => {
      if (fair) {
        active[e] = 1; lastMs[e] = now; rate[e] = 0; remBits[e] = M;
        markDirty(r.from[e], n + r.to[e]);
      } else {
        const txEnd = now + fixedTransmissionMs(s, r, e);
        const se0 = sendEnd[launchRound[e]];
        if (txEnd > se0[r.from[e]]) se0[r.from[e]] = txEnd;
        heap.push(now + fixedTransferMs(s, r, e), e * 4 + ARRIVE, 0);
      }
    };
    while (heap.pop()) {
      events++;
      const now = heap.topTimeMs, kind = heap.topA & 3, x = heap.topA >> 2;
      if (kind === COMPUTE_END) {
        computeDone[x] = 1;
        for (let e = launchHead[x]; e >= 0; e = launchNext[e]) startTransfer(e, now);
        if (pending[x] === 0) next[x] = now;
      } else if (kind === START) {
        startTransfer(x, now);
      } else if (kind === TX_END && heap.topB !== version[x]) {
        events--; // superseded by a rate change
      } else if (kind === TX_END) {
        active[x] = 0; remBits[x] = 0;
        const se0 = sendEnd[launchRound[x]];
        if (now > se0[r.from[x]]) se0[r.from[x]] = now;
        heap.push(now + r.latencyMs[x], x * 4 + ARRIVE, 0);
        markDirty(r.from[x], n + r.to[x]);
      } else {
        const j = r.to[x];
        if (--pending[j] === 0 && computeDone[j]) next[j] = now;
        if (hasAnswers) for (let e = answerHead[x]; e >= 0; e = answerNext[e]) startTransfer(e, now);
      }
      // after the last event of this instant: one refill over every link that changed
      if (dirtyCount > 0 && (heap.size === 0 || heap.peekTimeMs() > now)) refair(r, now);
    }
    // a transfer that never ends (a zero capacity) leaves its receiver waiting forever
    for (let j = 0; j < n; j++) if (pending[j] > 0) next[j] = Infinity;
    let mx = 0;
    if (async) {
      for (let j = 0; j < n; j++) if (next[j] > mx) mx = next[j];
    } else {
      let any = false;
      for (let j = 0; j < n; j++) if (!(down && down.silos[j])) { any = true; if (next[j] > mx) mx = next[j]; }
      if (!any) for (let j = 0; j < n; j++) if (next[j] > mx) mx = next[j];
      if (down) for (let j = 0; j < n; j++) if (down.silos[j]) next[j] = mx;
    }
    ends.push(mx);
    t.push(next);
  };

  const check = (round: number): void => {
    if (!Number.isInteger(round) || round < 0) throw new RangeError(`event clock: round must be a non-negative integer, got ${round}`);
    while (ends.length <= round) simulate(ends.length);
  };

  const breakdownOf = (k: number): SiloRoundBreakdown => {
    const startMs = t[k], endMs = t[k + 1];
    const computeStartMs = cStart[k] ?? startMs;
    const computeMs = cMs[k] ?? C;
    const sendEndMs = new Float64Array(n), sendMs = new Float64Array(n), waitMs = new Float64Array(n);
    const down = new Uint8Array(n);
    const d = downs[k];
    for (let j = 0; j < n; j++) {
      const ce = computeStartMs[j] + computeMs[j];
      const se0 = sendEnd[k][j];
      sendEndMs[j] = se0 > ce ? se0 : ce;
      sendMs[j] = sendEndMs[j] - ce;
      waitMs[j] = endMs[j] - startMs[j] - computeMs[j];
      if (d && d.silos[j]) down[j] = 1;
    }
    return { startMs, endMs, computeStartMs, computeMs: Float64Array.from(computeMs), sendEndMs, sendMs, waitMs, down };
  };

  let totalsUpTo = -1;
  const sums: SiloTotals = { computeMs: new Float64Array(n), sendMs: new Float64Array(n), waitMs: new Float64Array(n) };
  const finalize = (round: number): void => {
    check(round + lag);
    if (round > finalized) finalized = round;
  };

  return {
    roundEndMs(round) { check(round); return ends[round]; },
    silos(round) { check(round); return { startMs: t[round], endMs: t[round + 1] }; },
    breakdown(round) {
      finalize(round);
      return breakdownOf(round);
    },
    totals(round) {
      finalize(round);
      if (round < totalsUpTo) { totalsUpTo = -1; sums.computeMs.fill(0); sums.sendMs.fill(0); sums.waitMs.fill(0); }
      while (totalsUpTo < round) {
        const b = breakdownOf(++totalsUpTo);
        for (let j = 0; j < n; j++) { sums.computeMs[j] += b.computeMs[j]; sums.sendMs[j] += b.sendMs[j]; sums.waitMs[j] += b.waitMs[j]; }
      }
      return { computeMs: Float64Array.from(sums.computeMs), sendMs: Float64Array.from(sums.sendMs), waitMs: Float64Array.from(sums.waitMs) };
    },
    get eventCount() { return events; },
  };
}
