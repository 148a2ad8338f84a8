/**
 * The per-silo max-plus clock (`../shared/spec/cycle-time-model.md`, section 4), exact,
 * over each round's exchanges (`./exchanges.ts`): silo j finishes round k at
 *
 *   t_j(k+1) = max(t_j(k) + C_j, max over the round's transfers i -> j of t_i(L) + d_k(i,j))
 *
 * from t(0) = 0, where d_k(i,j) is the delay model's `C_i + latency + transmission` at the
 * transfer's shares (the sender's out-degree and the receiver's in-degree the round counts,
 * `./delay-model.ts`) and L the sender's round whose compute end starts the transfer (k
 * for every topology but the multigraph, whose transfers may be in flight over weak
 * rounds). Barrier rounds (MATCHA) start every silo at the previous round's end T_k:
 * `t_j(k+1) = max(T_k + C_j, max over transfers i -> j of T_k + d_k(i,j))`; a round-trip
 * round (STAR) answers each first leg i -> j, when it arrives, by j -> i, which arrives
 * `x(j,i) = latency + transmission` later. Round k ends when its last silo does:
 * max_j t_j(k+1). For a static overlay every round has the same transfers; for a
 * time-varying topology each round brings its own.
 *
 * This is the one max-plus recursion of dflsim; the event clock (`./event-clock.ts`) equals
 * it under fixed sharing up to the order of the additions (it adds `t + C_i`, then
 * `latency + transmission`, where this clock adds `t + d`).
 */
import type { SiloTimes } from './delay-model.js';
import { exchangeDelaysMs, fixedTransferMs, type RoundClock, type RoundExchanges } from './exchanges.js';

/** Options of {@link maxPlusClock}. */
export interface MaxPlusClockOptions {
  /**
   * Rounds of per-silo times kept for `silos(k)` and for transfers launched in earlier
   * rounds (default: all). A clock that only reports round ends may keep L + 1, L the
   * largest launch lag, so that a long run stores O(n·L) instead of O(n·K) numbers.
   */
  keepRounds?: number;
}

/**
 * The per-silo max-plus clock over each round's exchanges, lazily extended (see the file
 * comment). The delays of a round are computed once per exchanges object, so a plan that
 * hands the same object every round (a static overlay, a periodic sequence's states) pays
 * for them once.
 * @param s per-silo times (C_j, M / up(j), M / down(j) in ms; M in bits)
 * @param exchanges the transfers of round k (called once per round, in order)
 */
export function maxPlusClock(s: SiloTimes, exchanges: (round: number) => RoundExchanges, options: MaxPlusClockOptions = {}): RoundClock {
  const n = s.n,
    C = s.computeMs;
  const keep = options.keepRounds ?? Infinity;
  if (!(keep >= 1)) throw new RangeError(`max-plus clock: keepRounds must be at least 1, got ${keep}`);
  const delays = new WeakMap<RoundExchanges, Float64Array>();
  const delaysOf = (r: RoundExchanges): Float64Array => {
    let d = delays.get(r);
    if (!d) {
      d = exchangeDelaysMs(s, r);
      delays.set(r, d);
    }
    return d;
  };
  /** t[k][j] = t_j(k): start of round k at silo j (t[0] = 0); rounds before k - keep are released. */
  const t: (Float64Array | undefined)[] = [new Float64Array(n)];
  const ends: number[] = [];
  const startOf = (L: number, k: number, i: number, j: number): Float64Array => {
    const a = L >= 0 && L <= k ? t[L] : undefined;
    if (!a)
      throw new RangeError(
        `max-plus clock: round ${k} transfer ${i} -> ${j} launched in round ${L}${L >= 0 && L <= k ? `, more than the ${keep} rounds kept` : ''}`,
      );
    return a;
  };
  const extend = (): void => {
    const k = ends.length;
    const r = exchanges(k);
    const d = delaysOf(r);
    const start = t[k]!;
    const next = new Float64Array(n);
    if (r.sync === 'async') {
      for (let j = 0; j < n; j++) next[j] = start[j] + C[j];
      for (let e = 0; e < r.from.length; e++) {
        const i = r.from[e],
          j = r.to[e];
        const from = r.launchRound ? startOf(r.launchRound[e], k, i, j) : start;
        const c = from[i] + d[e];
        if (c > next[j]) next[j] = c;
      }
    } else {
      const T = k > 0 ? ends[k - 1] : 0;
      for (let j = 0; j < n; j++) next[j] = T + C[j];
      const arrival = new Float64Array(r.from.length);
      for (let e = 0; e < r.from.length; e++) {
        const a = r.answers ? r.answers[e] : -1;
        if (a >= e) throw new RangeError(`max-plus clock: round ${k} transfer ${e} answers a later transfer ${a}`);
        arrival[e] = a >= 0 ? arrival[a] + fixedTransferMs(s, r, e) : T + d[e];
        if (arrival[e] > next[r.to[e]]) next[r.to[e]] = arrival[e];
      }
    }
    let mx = 0;
    for (let j = 0; j < n; j++) if (next[j] > mx) mx = next[j];
    ends.push(mx);
    t.push(next);
    if (k + 1 - keep >= 0) t[k + 1 - keep] = undefined;
  };
  const check = (round: number): void => {
    if (!Number.isInteger(round) || round < 0) throw new RangeError(`max-plus clock: round must be a non-negative integer, got ${round}`);
    while (ends.length <= round) extend();
  };
  return {
    roundEndMs(round) {
      check(round);
      return ends[round];
    },
    silos(round) {
      check(round);
      const startMs = t[round],
        endMs = t[round + 1];
      if (!startMs || !endMs)
        throw new RangeError(`max-plus clock: the per-silo times of round ${round} were released (it keeps the last ${keep} rounds)`);
      return { startMs, endMs };
    },
  };
}
