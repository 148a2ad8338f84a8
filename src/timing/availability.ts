/**
 * Failures: which silos and links are down in round k, for the event-driven clock
 * (`timing/event-clock.ts`; the max-plus clock has none).
 *
 * Sources (combined: down when any says so):
 * - intervals `{ silo, fromRound, toRound }` and `{ link: [a, b], fromRound, toRound }`,
 *   rounds inclusive, a link in both directions;
 * - a seeded rate `random: { rate, meanDownRounds }`: every silo independently, at the
 *   end of each round in which it is up, fails with probability `rate` and is then down
 *   for D rounds, D geometric on {1, 2, ...} with mean `meanDownRounds`. Round 0 is up.
 *   Up periods are geometric with mean 1 / rate, so the long-run down fraction is
 *   `rate · mean / (1 + rate · mean)`. Each silo's periods come from its own stream
 *   (seed, silo), so the answer for round k does not depend on the order of questions.
 *
 * Semantics, what a down silo and a down link do in a round (implemented by
 * {@link applyAvailability} and the event clock):
 * - a down silo neither computes, sends nor receives in that round: it idles, so with
 *   `async` rounds `t_j(k+1) = t_j(k) + C_j` (its nominal compute time, no straggling), and
 *   with `barrier` / `round-trip` rounds it ends at the round's barrier (the latest end of
 *   the silos that are up; if every silo is down, `T_k + max C_j`);
 * - its neighbours skip it: every transfer of the round from or to a down silo, or over a
 *   down link, is dropped, and nobody waits for it. A transfer launched in an earlier
 *   round (the multigraph's `launchRound`) is also dropped when an endpoint or its link
 *   was down in that launch round;
 * - the copies left share the access links: each kept transfer's `upShare` (`downShare`)
 *   is lowered by the number of transfers dropped from its sender (into its receiver) in
 *   the round, never below 1;
 * - a `round-trip` answer to a dropped transfer is dropped too.
 */
import { DflsimInputError } from '../errors.js';
import { createRng } from '../random.js';
import type { RoundExchanges } from './exchanges.js';

/** A silo down over rounds fromRound..toRound (inclusive). */
export interface SiloDownInterval {
  /** Silo index. */
  silo: number;
  fromRound: number;
  toRound: number;
}

/** A link a-b down (both directions) over rounds fromRound..toRound (inclusive). */
export interface LinkDownInterval {
  /** Silo indices of the link's ends. */
  link: readonly [number, number];
  fromRound: number;
  toRound: number;
}

/** Where failures come from (see the file comment). */
export interface AvailabilitySpec {
  /** Listed down periods of silos and links. */
  intervals?: ReadonlyArray<SiloDownInterval | LinkDownInterval>;
  /** Seeded random silo failures. */
  random?: {
    /** Probability per up round that a silo fails (0..1). */
    rate: number;
    /** Mean number of rounds a failed silo stays down (>= 1). */
    meanDownRounds: number;
  };
}

/** What is down in one round. */
export interface RoundAvailability {
  /** 1 for a down silo, length n. */
  silos: Uint8Array;
  /** Down links as `a * n + b`, both directions present. */
  links: Set<number>;
}

function nonNegInt(x: unknown): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= 0;
}

/**
 * Check an availability spec; throws DflsimInputError naming the field
 * (`availability.intervals[2].toRound`, `availability.random.rate`, ...).
 * @param n number of silos
 * @param where the spec's field path (default `availability`)
 */
export function validateAvailability(spec: AvailabilitySpec, n: number, where = 'availability'): void {
  if (typeof spec !== 'object' || spec === null) throw new DflsimInputError(where, 'must be an object');
  const siloIndex = (x: unknown, at: string): void => {
    if (typeof x !== 'number' || !Number.isInteger(x) || x < 0 || x >= n)
      throw new DflsimInputError(at, `must be a silo index in [0, ${n - 1}], got ${String(x)}`);
  };
  if (spec.intervals !== undefined) {
    if (!Array.isArray(spec.intervals)) throw new DflsimInputError(`${where}.intervals`, 'must be an array');
    spec.intervals.forEach((iv: unknown, i: number) => {
      const at = `${where}.intervals[${i}]`;
      if (typeof iv !== 'object' || iv === null) throw new DflsimInputError(at, 'must be an object');
      const o = iv as { silo?: unknown; link?: unknown; fromRound?: unknown; toRound?: unknown };
      if ((o.silo === undefined) === (o.link === undefined)) throw new DflsimInputError(at, 'needs exactly one of "silo" and "link"');
      if (o.silo !== undefined) siloIndex(o.silo, `${at}.silo`);
      else {
        if (!Array.isArray(o.link) || o.link.length !== 2)
          throw new DflsimInputError(`${at}.link`, 'must be a pair [a, b] of silo indices');
        siloIndex(o.link[0], `${at}.link[0]`);
        siloIndex(o.link[1], `${at}.link[1]`);
        if (o.link[0] === o.link[1]) throw new DflsimInputError(`${at}.link`, `joins silo ${o.link[0]} to itself`);
      }
      if (!nonNegInt(o.fromRound))
        throw new DflsimInputError(`${at}.fromRound`, `must be a non-negative integer, got ${String(o.fromRound)}`);
      if (!nonNegInt(o.toRound)) throw new DflsimInputError(`${at}.toRound`, `must be a non-negative integer, got ${String(o.toRound)}`);
      if (o.toRound < o.fromRound) throw new DflsimInputError(`${at}.toRound`, `${o.toRound} is before fromRound ${o.fromRound}`);
    });
  }
  if (spec.random !== undefined) {
    const r = spec.random as { rate?: unknown; meanDownRounds?: unknown };
    if (typeof r !== 'object' || r === null) throw new DflsimInputError(`${where}.random`, 'must be an object');
    if (typeof r.rate !== 'number' || !(r.rate >= 0 && r.rate <= 1))
      throw new DflsimInputError(`${where}.random.rate`, `must be a probability in [0, 1], got ${String(r.rate)}`);
    if (typeof r.meanDownRounds !== 'number' || !Number.isFinite(r.meanDownRounds) || r.meanDownRounds < 1) {
      throw new DflsimInputError(`${where}.random.meanDownRounds`, `must be a finite number >= 1, got ${String(r.meanDownRounds)}`);
    }
  }
}

/**
 * Geometric on {1, 2, ...} with success probability q (mean 1/q), by inversion.
 */
function geometric(u: number, q: number): number {
  if (q >= 1) return 1;
  if (q <= 0) return Infinity;
  return 1 + Math.floor(Math.log(u) / Math.log1p(-q));
}

/**
 * Which silos and links are down in each round (validated first). Pure: the same spec, n
 * and seed give the same answers, in any order of rounds.
 * @param n number of silos
 * @param seed the run's seed (the random failures' streams are forked from it per silo)
 * @returns round => what is down in that round (fresh arrays on every call)
 */
export function availability(spec: AvailabilitySpec, n: number, seed: number): (round: number) => RoundAvailability {
  validateAvailability(spec, n);
  const siloIntervals: SiloDownInterval[] = [];
  const linkIntervals: LinkDownInterval[] = [];
  for (const iv of spec.intervals ?? []) {
    if ('silo' in iv) siloIntervals.push(iv);
    else linkIntervals.push(iv);
  }
  const random = spec.random && spec.random.rate > 0 ? spec.random : undefined;
  // per silo: generated down periods [from, to] (flat), and the first round not yet generated
  const periods: number[][] = Array.from({ length: n }, () => []);
  const generatedTo = new Float64Array(n); // rounds < generatedTo[j] are decided
  const rngs = random ? Array.from({ length: n }, (_, j) => createRng(seed).fork('availability').fork(j)) : [];
  const extend = (j: number, round: number): void => {
    const { rate, meanDownRounds } = random!;
    const rng = rngs[j];
    while (generatedTo[j] <= round) {
      // an up period starting at generatedTo[j], of geometric length (mean 1 / rate), then a down period
      const up = geometric(1 - rng.next(), rate);
      const down = geometric(1 - rng.next(), 1 / meanDownRounds);
      const from = generatedTo[j] + up;
      if (!Number.isFinite(from)) {
        generatedTo[j] = Infinity;
        break;
      }
      periods[j].push(from, from + down - 1);
      generatedTo[j] = from + down;
    }
  };
  const randomDown = (j: number, round: number): boolean => {
    extend(j, round);
    const p = periods[j];
    // binary search the last period starting at or before round
    let lo = 0,
      hi = p.length / 2 - 1,
      found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (p[2 * mid] <= round) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found >= 0 && round <= p[2 * found + 1];
  };
  return (round: number): RoundAvailability => {
    if (!Number.isInteger(round) || round < 0) throw new RangeError(`availability: round must be a non-negative integer, got ${round}`);
    const silos = new Uint8Array(n);
    const links = new Set<number>();
    for (const iv of siloIntervals) if (iv.fromRound <= round && round <= iv.toRound) silos[iv.silo] = 1;
    for (const iv of linkIntervals) {
      if (iv.fromRound <= round && round <= iv.toRound) {
        links.add(iv.link[0] * n + iv.link[1]);
        links.add(iv.link[1] * n + iv.link[0]);
      }
    }
    if (random) for (let j = 0; j < n; j++) if (!silos[j] && randomDown(j, round)) silos[j] = 1;
    return { silos, links };
  };
}

/** True when the transfer e of r must be dropped given what is down. */
function dropped(r: RoundExchanges, e: number, n: number, down: RoundAvailability): boolean {
  const i = r.from[e],
    j = r.to[e];
  return down.silos[i] === 1 || down.silos[j] === 1 || (down.links.size > 0 && down.links.has(i * n + j));
}

/**
 * One round's exchanges without the transfers a failure stops (see the file comment):
 * those from or to a down silo or over a down link, in this round or (for a transfer
 * launched earlier) in its launch round; a round-trip answer to a dropped transfer; the
 * kept transfers' shares lowered by what was dropped at their sender and receiver.
 * Returns `r` itself when nothing is dropped. Pure.
 * @param down what is down in this round
 * @param downAt what is down in an earlier round (for transfers whose `launchRound` is earlier; `async` rounds only)
 * @param round this round's index (needed with `downAt`)
 */
export function applyAvailability(
  r: RoundExchanges,
  down: RoundAvailability,
  downAt?: (round: number) => RoundAvailability,
  round?: number,
): RoundExchanges {
  const n = down.silos.length;
  const E = r.from.length;
  const drop = new Uint8Array(E);
  let nDropped = 0;
  for (let e = 0; e < E; e++) {
    let d = dropped(r, e, n, down);
    if (!d && downAt && r.launchRound && r.sync === 'async' && round !== undefined && r.launchRound[e] < round)
      d = dropped(r, e, n, downAt(r.launchRound[e]));
    if (!d && r.answers && r.answers[e] >= 0 && drop[r.answers[e]]) d = true;
    if (d) {
      drop[e] = 1;
      nDropped++;
    }
  }
  if (nDropped === 0) return r;
  const lessUp = new Int32Array(n),
    lessDown = new Int32Array(n);
  for (let e = 0; e < E; e++)
    if (drop[e]) {
      lessUp[r.from[e]]++;
      lessDown[r.to[e]]++;
    }
  const m = E - nDropped;
  const newIndex = new Int32Array(E).fill(-1);
  const out: RoundExchanges = {
    sync: r.sync,
    from: new Int32Array(m),
    to: new Int32Array(m),
    latencyMs: new Float64Array(m),
    pathBitsPerMs: new Float64Array(m),
    upShare: new Int32Array(m),
    downShare: new Int32Array(m),
  };
  if (r.launchRound) out.launchRound = new Int32Array(m);
  if (r.answers) out.answers = new Int32Array(m);
  let f = 0;
  for (let e = 0; e < E; e++) {
    if (drop[e]) continue;
    newIndex[e] = f;
    out.from[f] = r.from[e];
    out.to[f] = r.to[e];
    out.latencyMs[f] = r.latencyMs[e];
    out.pathBitsPerMs[f] = r.pathBitsPerMs[e];
    out.upShare[f] = Math.max(1, r.upShare[e] - lessUp[r.from[e]]);
    out.downShare[f] = Math.max(1, r.downShare[e] - lessDown[r.to[e]]);
    if (out.launchRound) out.launchRound[f] = r.launchRound![e];
    if (out.answers) {
      const a = r.answers![e];
      out.answers[f] = a >= 0 ? newIndex[a] : -1;
    }
    f++;
  }
  return out;
}
