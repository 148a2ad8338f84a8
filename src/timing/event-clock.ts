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
import { createFairSharing, TX_END, type FairSharing, type TransferTable } from './fair-sharing.js';
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

const COMPUTE_END = 0,
  START = 1,
  ARRIVE = 3;

/** What the event clock keeps: its inputs, its per-round records and its per-round scratch. */
interface ClockState {
  n: number;
  s: SiloTimes;
  exchanges: (round: number) => RoundExchanges;
  fair: FairSharing | null;
  strag: ReturnType<typeof stragglersOf> | undefined;
  availFn: ((round: number) => RoundAvailability) | undefined;
  lag: number;
  // --- per-round records ---
  /** t[k][j] = t_j(k); t[0] = 0. */
  t: Float64Array[];
  /** Compute start of silo j in round k (null: t[k], the async case). */
  cStart: (Float64Array | null)[];
  /** Compute time of silo j in round k, 0 when down (null: C, nominal). */
  cMs: (Float64Array | null)[];
  /** End of the last upload launched by j in round k (-Infinity: none). */
  sendEnd: Float64Array[];
  downs: (RoundAvailability | null)[];
  ends: number[];
  /** Rounds <= finalized have had their breakdown reported. */
  finalized: number;
  events: number;
  // --- per-round scratch (the per-transfer arrays grown as needed) ---
  heap: EventHeap;
  f: TransferTable & { launchRound: Int32Array; launchNext: Int32Array; answerHead: Int32Array; answerNext: Int32Array };
  cap: number;
  launchHead: Int32Array;
  pending: Int32Array;
  computeDone: Uint8Array;
  idleEnd: Float64Array;
}

/** Room for E transfers in the per-transfer arrays. */
function grow(st: ClockState, E: number): void {
  if (E <= st.cap) return;
  const cap = Math.max(E, 2 * st.cap, 16);
  st.cap = cap;
  Object.assign(st.f, {
    launchRound: new Int32Array(cap),
    launchNext: new Int32Array(cap),
    answerHead: new Int32Array(cap),
    answerNext: new Int32Array(cap),
    resNextUp: new Int32Array(cap),
    resNextDown: new Int32Array(cap),
    active: new Uint8Array(cap),
    version: new Int32Array(cap),
    flowStamp: new Int32Array(cap),
    remBits: new Float64Array(cap),
    rate: new Float64Array(cap),
    newRate: new Float64Array(cap),
    lastMs: new Float64Array(cap),
    compFlows: new Int32Array(cap),
  });
}

/** When silo i's compute of round L ends. */
function computeEndOf(st: ClockState, L: number, i: number): number {
  const c0 = st.cStart[L] ? st.cStart[L]![i] : st.t[L][i];
  return c0 + (st.cMs[L] ? st.cMs[L]![i] : st.s.computeMs[i]);
}

/**
 * Round k's compute times, compute starts and send-end records, its transfers listed by
 * launch (at a compute end, an earlier round's compute end, or an answer), and every silo's
 * compute end on the heap.
 */
function setUpRound(st: ClockState, k: number, r: RoundExchanges, down: RoundAvailability | null): { async: boolean; hasAnswers: boolean } {
  const { n, s, strag, fair, heap, launchHead, pending, computeDone, idleEnd } = st;
  const C = s.computeMs,
    M = s.modelSizeBits;
  const E = r.from.length;
  grow(st, E);
  const { launchRound, launchNext, answerHead, answerNext, resNextUp, resNextDown, active, version, rate, remBits, flowStamp } = st.f;
  const async = r.sync === 'async';
  const T = k > 0 ? st.ends[k - 1] : 0;
  const start = st.t[k];
  // compute times
  let cm: Float64Array | null = null;
  if (strag || down) {
    cm = new Float64Array(n);
    if (strag) strag.fill(k, cm);
    else cm.fill(1);
    for (let j = 0; j < n; j++) cm[j] = down && down.silos[j] ? 0 : C[j] * cm[j];
  }
  st.cMs.push(cm);
  let cs: Float64Array | null = null;
  if (!async) {
    cs = new Float64Array(n).fill(T);
  }
  st.cStart.push(cs);
  st.sendEnd.push(new Float64Array(n).fill(-Infinity));
  // lists
  launchHead.fill(-1);
  pending.fill(0);
  computeDone.fill(0);
  if (fair) {
    fair.resHeadUp.fill(-1);
    fair.resHeadDown.fill(-1);
  }
  const hasAnswers = !async && r.sync === 'round-trip' && r.answers !== undefined;
  heap.clear();
  if (hasAnswers) answerHead.fill(-1, 0, E);
  for (let e = E - 1; e >= 0; e--) {
    const i = r.from[e],
      j = r.to[e];
    pending[j]++;
    let L = k;
    if (async && r.launchRound) {
      L = r.launchRound[e];
      if (L > k || L < 0) throw new RangeError(`event clock: round ${k} transfer ${i} -> ${j} launched in round ${L}`);
    }
    if (L <= st.finalized)
      throw new RangeError(
        `event clock: round ${k} transfer ${i} -> ${j} launched in round ${L}, whose breakdown was already reported (raise launchLagRounds above ${st.lag})`,
      );
    launchRound[e] = L;
    if (fair) {
      resNextUp[e] = fair.resHeadUp[i];
      fair.resHeadUp[i] = e;
      resNextDown[e] = fair.resHeadDown[j];
      fair.resHeadDown[j] = e;
      active[e] = 0;
      version[e] = 0;
      rate[e] = 0;
      remBits[e] = M;
      flowStamp[e] = 0;
    }
    const a = hasAnswers ? r.answers![e] : -1;
    if (a >= e) throw new RangeError(`event clock: round ${k} transfer ${e} answers a later transfer ${a}`);
    if (a >= 0) {
      answerNext[e] = answerHead[a];
      answerHead[a] = e;
    } else if (L === k) {
      launchNext[e] = launchHead[i];
      launchHead[i] = e;
    } else heap.push(computeEndOf(st, L, i), e * 4 + START, 0);
  }
  for (let j = 0; j < n; j++) {
    const c0 = cs ? cs[j] : start[j];
    const c = cm ? cm[j] : C[j];
    // a down silo idles for its nominal compute time
    idleEnd[j] = down && down.silos[j] ? c0 + C[j] : c0 + c;
    heap.push(idleEnd[j], j * 4 + COMPUTE_END, 0);
  }
  return { async, hasAnswers };
}

/** Simulate round k: its events in time order, then each silo's end of the round. */
function simulateRound(st: ClockState, k: number): void {
  const { n, s, fair, heap, launchHead, pending, computeDone } = st;
  const M = s.modelSizeBits;
  let r = st.exchanges(k);
  let down: RoundAvailability | null = null;
  if (st.availFn) {
    const availFn = st.availFn;
    down = availFn(k);
    r = applyAvailability(r, down, (L) => st.downs[L] ?? availFn(L), k);
  }
  st.downs.push(down);
  const { async, hasAnswers } = setUpRound(st, k, r, down);
  const { launchRound, launchNext, answerHead, answerNext, active, version, rate, remBits, lastMs } = st.f;
  const sendEnd = st.sendEnd;
  const next = new Float64Array(n);
  const startTransfer = (e: number, now: number): void => {
    if (fair) {
      active[e] = 1;
      lastMs[e] = now;
      rate[e] = 0;
      remBits[e] = M;
      fair.markDirty(r.from[e], n + r.to[e]);
    } else {
      const txEnd = now + fixedTransmissionMs(s, r, e);
      const se0 = sendEnd[launchRound[e]];
      if (txEnd > se0[r.from[e]]) se0[r.from[e]] = txEnd;
      heap.push(now + fixedTransferMs(s, r, e), e * 4 + ARRIVE, 0);
    }
  };
  while (heap.pop()) {
    st.events++;
    const now = heap.topTimeMs,
      kind = heap.topA & 3,
      x = heap.topA >> 2;
    if (kind === COMPUTE_END) {
      computeDone[x] = 1;
      for (let e = launchHead[x]; e >= 0; e = launchNext[e]) startTransfer(e, now);
      if (pending[x] === 0) next[x] = now;
    } else if (kind === START) {
      startTransfer(x, now);
    } else if (kind === TX_END && heap.topB !== version[x]) {
      st.events--; // superseded by a rate change
    } else if (kind === TX_END) {
      active[x] = 0;
      remBits[x] = 0;
      const se0 = sendEnd[launchRound[x]];
      if (now > se0[r.from[x]]) se0[r.from[x]] = now;
      heap.push(now + r.latencyMs[x], x * 4 + ARRIVE, 0);
      fair!.markDirty(r.from[x], n + r.to[x]);
    } else {
      const j = r.to[x];
      if (--pending[j] === 0 && computeDone[j]) next[j] = now;
      if (hasAnswers) for (let e = answerHead[x]; e >= 0; e = answerNext[e]) startTransfer(e, now);
    }
    // after the last event of this instant: one refill over every link that changed
    if (fair && fair.dirtyCount > 0 && (heap.size === 0 || heap.peekTimeMs() > now)) fair.refair(r, now);
  }
  st.ends.push(roundEnd(next, pending, async, down));
  st.t.push(next);
}

/**
 * The round's end from each silo's: the last silo (async), or the last silo that was up (a
 * barrier round; down silos then start the next round with it). A transfer that never ends
 * (a zero capacity) leaves its receiver waiting forever.
 */
function roundEnd(next: Float64Array, pending: Int32Array, async: boolean, down: RoundAvailability | null): number {
  const n = next.length;
  for (let j = 0; j < n; j++) if (pending[j] > 0) next[j] = Infinity;
  let mx = 0;
  if (async) {
    for (let j = 0; j < n; j++) if (next[j] > mx) mx = next[j];
  } else {
    let any = false;
    for (let j = 0; j < n; j++)
      if (!(down && down.silos[j])) {
        any = true;
        if (next[j] > mx) mx = next[j];
      }
    if (!any) for (let j = 0; j < n; j++) if (next[j] > mx) mx = next[j];
    if (down) for (let j = 0; j < n; j++) if (down.silos[j]) next[j] = mx;
  }
  return mx;
}

/** Silo j's compute, send and wait in a simulated round k. */
function breakdownOf(st: ClockState, k: number): SiloRoundBreakdown {
  const n = st.n;
  const startMs = st.t[k],
    endMs = st.t[k + 1];
  const computeStartMs = st.cStart[k] ?? startMs;
  const computeMs = st.cMs[k] ?? st.s.computeMs;
  const sendEndMs = new Float64Array(n),
    sendMs = new Float64Array(n),
    waitMs = new Float64Array(n);
  const down = new Uint8Array(n);
  const d = st.downs[k];
  for (let j = 0; j < n; j++) {
    const ce = computeStartMs[j] + computeMs[j];
    const se0 = st.sendEnd[k][j];
    sendEndMs[j] = se0 > ce ? se0 : ce;
    sendMs[j] = sendEndMs[j] - ce;
    waitMs[j] = endMs[j] - startMs[j] - computeMs[j];
    if (d && d.silos[j]) down[j] = 1;
  }
  return { startMs, endMs, computeStartMs, computeMs: Float64Array.from(computeMs), sendEndMs, sendMs, waitMs, down };
}

/**
 * The event-driven clock over each round's exchanges (see the file comment).
 * @param s per-silo times (compute C_j, M / up(j), M / down(j) in ms; M in bits)
 * @param exchanges the transfers of round k (called once per round, in order)
 * @param options sharing, stragglers, availability, seed
 */
export function eventClock(s: SiloTimes, exchanges: (round: number) => RoundExchanges, options: EventClockOptions = {}): EventClock {
  const n = s.n;
  const sharing = options.sharing ?? DEFAULT_EVENT_CLOCK_OPTIONS.sharing;
  if (sharing !== 'fixed' && sharing !== 'fair')
    throw new DflsimInputError('sharing', `must be "fixed" or "fair", got ${JSON.stringify(sharing)}`);
  const seed = options.seed ?? DEFAULT_EVENT_CLOCK_OPTIONS.seed;
  const lag = options.launchLagRounds ?? DEFAULT_EVENT_CLOCK_OPTIONS.launchLagRounds;
  if (!Number.isInteger(lag) || lag < 0) throw new DflsimInputError('launchLagRounds', `must be a non-negative integer, got ${lag}`);
  const M = s.modelSizeBits;
  // access link capacities (bit/ms): resource i is silo i's upload, n + j silo j's download
  const capacity = new Float64Array(2 * n);
  for (let j = 0; j < n; j++) {
    capacity[j] = s.uploadMs[j] > 0 ? M / s.uploadMs[j] : Infinity;
    capacity[n + j] = s.downloadMs[j] > 0 ? M / s.downloadMs[j] : Infinity;
  }
  const empty = {
    launchRound: new Int32Array(0),
    launchNext: new Int32Array(0),
    answerHead: new Int32Array(0),
    answerNext: new Int32Array(0),
    resNextUp: new Int32Array(0),
    resNextDown: new Int32Array(0),
    active: new Uint8Array(0),
    version: new Int32Array(0),
    flowStamp: new Int32Array(0),
    remBits: new Float64Array(0),
    rate: new Float64Array(0),
    newRate: new Float64Array(0),
    lastMs: new Float64Array(0),
    compFlows: new Int32Array(0),
  };
  const heap = new EventHeap(1024);
  const st: ClockState = {
    n,
    s,
    exchanges,
    lag,
    fair: null,
    strag: options.stragglers ? stragglersOf(options.stragglers, n, seed) : undefined,
    availFn: options.availability ? availabilityOf(options.availability, n, seed) : undefined,
    t: [new Float64Array(n)],
    cStart: [],
    cMs: [],
    sendEnd: [],
    downs: [],
    ends: [],
    finalized: -1,
    events: 0,
    heap,
    f: empty,
    cap: 0,
    launchHead: new Int32Array(n),
    pending: new Int32Array(n),
    computeDone: new Uint8Array(n),
    idleEnd: new Float64Array(n),
  };
  if (sharing === 'fair') st.fair = createFairSharing(n, capacity, st.f, heap);

  const check = (round: number): void => {
    if (!Number.isInteger(round) || round < 0) throw new RangeError(`event clock: round must be a non-negative integer, got ${round}`);
    while (st.ends.length <= round) simulateRound(st, st.ends.length);
  };
  let totalsUpTo = -1;
  const sums: SiloTotals = { computeMs: new Float64Array(n), sendMs: new Float64Array(n), waitMs: new Float64Array(n) };
  const finalize = (round: number): void => {
    check(round + lag);
    if (round > st.finalized) st.finalized = round;
  };

  return {
    roundEndMs(round) {
      check(round);
      return st.ends[round];
    },
    silos(round) {
      check(round);
      return { startMs: st.t[round], endMs: st.t[round + 1] };
    },
    breakdown(round) {
      finalize(round);
      return breakdownOf(st, round);
    },
    totals(round) {
      finalize(round);
      if (round < totalsUpTo) {
        totalsUpTo = -1;
        sums.computeMs.fill(0);
        sums.sendMs.fill(0);
        sums.waitMs.fill(0);
      }
      while (totalsUpTo < round) {
        const b = breakdownOf(st, ++totalsUpTo);
        for (let j = 0; j < n; j++) {
          sums.computeMs[j] += b.computeMs[j];
          sums.sendMs[j] += b.sendMs[j];
          sums.waitMs[j] += b.waitMs[j];
        }
      }
      return {
        computeMs: Float64Array.from(sums.computeMs),
        sendMs: Float64Array.from(sums.sendMs),
        waitMs: Float64Array.from(sums.waitMs),
      };
    },
    get eventCount() {
      return st.events;
    },
  };
}
