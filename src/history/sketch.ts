/**
 * A latency sketch with a fixed logarithmic bucket layout (the DDSketch construction): a latency x > 0 ms falls in
 * bucket i = ceil(log_γ x) with γ = (1 + α) / (1 − α), and the bucket's representative 2γ^i / (γ + 1) is within a
 * relative error α of every value in it. Buckets are the same for every sketch, so merging adds counts and is exact:
 * a sketch of a day is the sum of its hours' sketches, and any quantile read from it is within α of the true one.
 *
 * α = 1 %: p95 of latencies around 200 ms is reported within ±2 ms. Sub-microsecond latencies (and 0) share one
 * bucket whose representative is 0.
 */
export const RELATIVE_ERROR = 0.01;
const GAMMA = (1 + RELATIVE_ERROR) / (1 - RELATIVE_ERROR);
const LOG_GAMMA = Math.log(GAMMA);
/** Values at or below this (ms) go to the zero bucket. */
const MIN_MS = 1e-3;
/** The zero bucket's key; every other key is a bucket index above log_γ(MIN_MS). */
const ZERO = -10_000;

/**
 * Bucket index → count, as a plain object: its JSON text (`{"312":4}`) is what is stored, so decoding is one
 * JSON.parse (a dashboard decodes thousands), and the writer merges two stored sketches in SQL (rollups.ts).
 */
export type Sketch = Record<string, number>;

export function bucketOf(latencyMs: number): number {
  return latencyMs <= MIN_MS ? ZERO : Math.ceil(Math.log(latencyMs) / LOG_GAMMA);
}

export function representative(bucket: number): number {
  return bucket === ZERO ? 0 : (2 * GAMMA ** bucket) / (GAMMA + 1);
}

export function addTo(sketch: Sketch, latencyMs: number, count = 1): void {
  const bucket = bucketOf(latencyMs);
  sketch[bucket] = (sketch[bucket] ?? 0) + count;
}

export function mergeInto(target: Sketch, source: Sketch): void {
  for (const bucket in source) target[bucket] = (target[bucket] ?? 0) + source[bucket]!;
}

export function encodeSketch(sketch: Sketch): string {
  return JSON.stringify(sketch);
}

export function decodeSketch(text: string): Sketch {
  return JSON.parse(text) as Sketch;
}

/**
 * The q-quantile (0 ≤ q ≤ 1) as the value of the element of rank ⌊q·(n − 1)⌋ in sorted order (0-based), within
 * RELATIVE_ERROR of that element; null for an empty sketch. `quantileOfSorted` is the same rank rule on exact data.
 */
export function quantile(sketch: Sketch, q: number): number | null {
  return quantiles(sketch, [q])[0]!;
}

/** Several quantiles (ascending `qs`) in one pass over the sorted buckets. */
export function quantiles(sketch: Sketch, qs: readonly number[]): (number | null)[] {
  const buckets = Object.keys(sketch)
    .map(Number)
    .sort((a, b) => a - b);
  return sparseQuantiles(
    buckets,
    buckets.map((b) => sketch[b]!),
    qs,
  );
}

/** `quantiles` over counts already in ascending bucket order (SparseCounts, or the keys of a Sketch sorted). */
function sparseQuantiles(buckets: ArrayLike<number>, counts: ArrayLike<number>, qs: readonly number[]): (number | null)[] {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i]!;
  if (total === 0) return qs.map(() => null);
  const out: (number | null)[] = [];
  let seen = 0;
  let i = 0;
  for (const q of qs) {
    const rank = Math.floor(q * (total - 1));
    while (i < buckets.length - 1 && seen + counts[i]! <= rank) seen += counts[i++]!;
    out.push(representative(buckets[i]!));
  }
  return out;
}

/** The bucket-wise sum of two SparseCounts, in one pass over both (they are in ascending bucket order). */
export function addSparseCounts(a: SparseCounts, b: SparseCounts): SparseCounts {
  const buckets = new Int32Array(a.buckets.length + b.buckets.length);
  const counts = new Float64Array(buckets.length);
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < a.buckets.length || j < b.buckets.length) {
    const fromA = j >= b.buckets.length || (i < a.buckets.length && a.buckets[i]! <= b.buckets[j]!);
    const bucket = fromA ? a.buckets[i]! : b.buckets[j]!;
    let count = 0;
    if (i < a.buckets.length && a.buckets[i] === bucket) count += a.counts[i++]!;
    if (j < b.buckets.length && b.buckets[j] === bucket) count += b.counts[j++]!;
    buckets[n] = bucket;
    counts[n++] = count;
  }
  return { buckets: buckets.subarray(0, n), counts: counts.subarray(0, n) };
}

export function quantileOfSorted(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.floor(q * (sorted.length - 1))]!;
}

/** The buckets of latencies from just over MIN_MS to about 33 minutes: what a merge keeps in a dense array. */
const DENSE_FIRST = bucketOf(MIN_MS * (1 + 1e-9));
const DENSE_SIZE = bucketOf(2_000_000) - DENSE_FIRST + 1;

/**
 * Merges many stored sketches (a chart bucket of 24 hourly rollups, say) into counts held in a dense array, which
 * is several times cheaper than adding into an object key by key; buckets beyond the array (latencies over half an
 * hour, which only a push beat's reported `ping` can have) are kept aside. A merge of one sketch keeps it as it is:
 * most chart buckets are one rollup row, and an 8 KB array each would only feed the garbage collector.
 */
export class SketchMerge {
  private only: Sketch | null = null;
  private onlySparse: SparseCounts | null = null;
  private dense: Float64Array | null = null;
  private zero = 0;
  private readonly beyond = new Map<number, number>();
  private total = 0;
  private empty = true;

  add(sketch: Sketch): void {
    if (this.empty) {
      this.empty = false;
      this.only = sketch;
      return;
    }
    this.densify();
    for (const key in sketch) this.addBucket(+key, sketch[key]!);
  }

  addSparse(counts: SparseCounts): void {
    if (this.empty) {
      this.empty = false;
      this.onlySparse = counts;
      return;
    }
    this.densify();
    this.addSparseBuckets(counts);
  }

  sparse(): SparseCounts {
    if (this.onlySparse) return this.onlySparse;
    if (this.only) {
      const buckets = Int32Array.from(Object.keys(this.only), Number).sort();
      return { buckets, counts: Float64Array.from(buckets, (b) => this.only![b]!) };
    }
    const buckets: number[] = [];
    const counts: number[] = [];
    if (this.zero > 0) {
      buckets.push(ZERO);
      counts.push(this.zero);
    }
    for (let i = 0; this.dense && i < DENSE_SIZE; i++) {
      if (this.dense[i] === 0) continue;
      buckets.push(i + DENSE_FIRST);
      counts.push(this.dense[i]!);
    }
    // Above the dense array, so after it; the map is in arrival order, the result must be ascending.
    for (const bucket of [...this.beyond.keys()].sort((a, b) => a - b)) {
      buckets.push(bucket);
      counts.push(this.beyond.get(bucket)!);
    }
    return { buckets: Int32Array.from(buckets), counts: Float64Array.from(counts) };
  }

  /** As `quantiles`, over everything added. */
  quantiles(qs: readonly number[]): (number | null)[] {
    if (this.only) return quantiles(this.only, qs);
    if (this.onlySparse) return sparseQuantiles(this.onlySparse.buckets, this.onlySparse.counts, qs);
    if (this.total === 0) return qs.map(() => null);
    const ranks = qs.map((q) => Math.floor(q * (this.total - 1)));
    const out: (number | null)[] = [];
    let seen = this.zero;
    while (out.length < ranks.length && seen > ranks[out.length]!) out.push(0);
    for (let i = 0; this.dense && i < DENSE_SIZE && out.length < ranks.length; i++) {
      const count = this.dense[i]!;
      if (count === 0) continue;
      seen += count;
      while (out.length < ranks.length && seen > ranks[out.length]!) out.push(representative(i + DENSE_FIRST));
    }
    for (const bucket of [...this.beyond.keys()].sort((a, b) => a - b)) {
      if (out.length === ranks.length) break;
      seen += this.beyond.get(bucket)!;
      while (out.length < ranks.length && seen > ranks[out.length]!) out.push(representative(bucket));
    }
    return out;
  }

  /** From one kept sketch to counts that others can be added to. */
  private densify(): void {
    if (this.dense) return;
    this.dense = new Float64Array(DENSE_SIZE);
    const only = this.only;
    const onlySparse = this.onlySparse;
    this.only = null;
    this.onlySparse = null;
    if (only) for (const key in only) this.addBucket(+key, only[key]!);
    if (onlySparse) this.addSparseBuckets(onlySparse);
  }

  private addSparseBuckets({ buckets, counts }: SparseCounts): void {
    for (let j = 0; j < buckets.length; j++) this.addBucket(buckets[j]!, counts[j]!);
  }

  private addBucket(bucket: number, count: number): void {
    this.total += count;
    const i = bucket - DENSE_FIRST;
    if (bucket === ZERO) this.zero += count;
    else if (i >= 0 && i < DENSE_SIZE) this.dense![i]! += count;
    else this.beyond.set(bucket, (this.beyond.get(bucket) ?? 0) + count);
  }
}

/** A merge's counts as parallel arrays of the buckets that have any: compact, for keeping. */
export interface SparseCounts {
  buckets: Int32Array;
  counts: Float64Array;
}
