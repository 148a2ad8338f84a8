/**
 * The event heap of the event-driven clock (`timing/event-clock.ts`): a binary min-heap of
 * events keyed by time, ties broken by a sequence number (the order of `push`), so that
 * events at the same instant come out first-in first-out and a simulation is
 * deterministic. It owns only the clock: an event is a time and two integers the caller
 * interprets (a kind and an index, say). Stored in typed arrays that grow by doubling; no
 * allocation per event.
 */

/** A binary min-heap of (time, sequence) keyed events carrying two int32 payloads. */
export class EventHeap {
  private timeMs: Float64Array;
  private seq: Float64Array;
  private a: Int32Array;
  private b: Int32Array;
  private count = 0;
  private nextSeq = 0;
  /** Time of the event last returned by {@link pop} (ms). */
  topTimeMs = 0;
  /** First payload of the event last returned by {@link pop}. */
  topA = 0;
  /** Second payload of the event last returned by {@link pop}. */
  topB = 0;

  /** @param capacity initial number of slots (grows as needed) */
  constructor(capacity = 64) {
    const c = Math.max(4, capacity | 0);
    this.timeMs = new Float64Array(c);
    this.seq = new Float64Array(c);
    this.a = new Int32Array(c);
    this.b = new Int32Array(c);
  }

  /** Number of events waiting. */
  get size(): number {
    return this.count;
  }

  /** Drop every event (the sequence numbers keep counting). */
  clear(): void {
    this.count = 0;
  }

  /**
   * Add an event.
   * @param timeMs when it happens (ms)
   * @param a first payload (int32)
   * @param b second payload (int32)
   */
  push(timeMs: number, a: number, b: number): void {
    if (this.count === this.timeMs.length) this.grow();
    const s = this.nextSeq++;
    // sift up
    let i = this.count++;
    const T = this.timeMs,
      S = this.seq,
      A = this.a,
      B = this.b;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (T[p] < timeMs || (T[p] === timeMs && S[p] < s)) break;
      T[i] = T[p];
      S[i] = S[p];
      A[i] = A[p];
      B[i] = B[p];
      i = p;
    }
    T[i] = timeMs;
    S[i] = s;
    A[i] = a;
    B[i] = b;
  }

  /** Time of the earliest event (ms); Infinity when empty. */
  peekTimeMs(): number {
    return this.count > 0 ? this.timeMs[0] : Infinity;
  }

  /** First payload of the earliest event (undefined behaviour when empty). */
  peekA(): number {
    return this.a[0];
  }

  /** Second payload of the earliest event (undefined behaviour when empty). */
  peekB(): number {
    return this.b[0];
  }

  /**
   * Remove the earliest event (smallest time, then smallest sequence number) and expose it
   * in {@link topTimeMs}, {@link topA}, {@link topB}.
   * @returns false when the heap was empty
   */
  pop(): boolean {
    if (this.count === 0) return false;
    const T = this.timeMs,
      S = this.seq,
      A = this.a,
      B = this.b;
    this.topTimeMs = T[0];
    this.topA = A[0];
    this.topB = B[0];
    const n = --this.count;
    if (n === 0) return true;
    const t = T[n],
      s = S[n],
      a = A[n],
      b = B[n];
    // sift down the last element from the root
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && (T[r] < T[l] || (T[r] === T[l] && S[r] < S[l]))) c = r;
      if (t < T[c] || (t === T[c] && s < S[c])) break;
      T[i] = T[c];
      S[i] = S[c];
      A[i] = A[c];
      B[i] = B[c];
      i = c;
    }
    T[i] = t;
    S[i] = s;
    A[i] = a;
    B[i] = b;
    return true;
  }

  private grow(): void {
    const c = this.timeMs.length * 2;
    const t = new Float64Array(c);
    t.set(this.timeMs);
    this.timeMs = t;
    const s = new Float64Array(c);
    s.set(this.seq);
    this.seq = s;
    const a = new Int32Array(c);
    a.set(this.a);
    this.a = a;
    const b = new Int32Array(c);
    b.set(this.b);
    this.b = b;
  }
}
