import { describe, expect, it } from 'vitest';
import {
  addSparseCounts,
  addTo,
  bucketOf,
  decodeSketch,
  encodeSketch,
  mergeInto,
  quantile,
  quantileOfSorted,
  RELATIVE_ERROR,
  representative,
  type Sketch,
  SketchMerge,
} from '../../src/history/sketch.ts';
import { seededRandom } from '../helpers/random.ts';

describe('latency sketch', () => {
  it('represents every value of a bucket within the relative error', () => {
    for (const x of [0.002, 0.5, 1, 3.7, 12.5, 199.9, 200, 201, 4999, 299_999]) {
      const r = representative(bucketOf(x));
      expect(Math.abs(r - x) / x).toBeLessThanOrEqual(RELATIVE_ERROR + 1e-12);
    }
    expect(representative(bucketOf(0))).toBe(0);
  });

  it('reads quantiles within the stated error of the exact ones, and a merge equals the sketch of the union', () => {
    const random = seededRandom(7);
    const parts: number[][] = Array.from({ length: 5 }, () =>
      Array.from({ length: 400 }, () => (random() < 0.1 ? 2000 + random() * 8000 : 20 + random() ** 3 * 300)),
    );
    const merged: Sketch = {};
    const whole: Sketch = {};
    for (const part of parts) {
      const sketch: Sketch = {};
      for (const x of part) {
        addTo(sketch, x);
        addTo(whole, x);
      }
      // Through its stored form, as the writer merges it.
      mergeInto(merged, decodeSketch(encodeSketch(sketch)));
    }
    expect(merged).toEqual(whole);
    const sorted = parts.flat().sort((a, b) => a - b);
    for (const q of [0, 0.5, 0.9, 0.95, 0.99, 1]) {
      const exact = quantileOfSorted(sorted, q)!;
      expect(Math.abs(quantile(merged, q)! - exact) / exact).toBeLessThanOrEqual(RELATIVE_ERROR + 1e-12);
    }
  });

  it('merges the same whatever the path: one sketch, dense sums, sparse sums', () => {
    const random = seededRandom(9);
    // Zero latencies, ordinary ones, and beyond the dense range (a push `ping` of hours).
    const sketchOf = (n: number) => {
      const sketch: Sketch = {};
      for (let i = 0; i < n; i++) addTo(sketch, random() < 0.05 ? 0 : random() < 0.05 ? 3_600_000 * (1 + random()) : 5 + random() * 500);
      return sketch;
    };
    const [a, b, c] = [sketchOf(300), sketchOf(200), sketchOf(1)];
    const whole: Sketch = {};
    for (const part of [a!, b!, c!]) mergeInto(whole, part);
    const qs = [0, 0.5, 0.95, 0.99, 1];
    const expected = qs.map((q) => quantile(whole, q));

    const dense = new SketchMerge();
    for (const part of [a!, b!, c!]) dense.add(part);
    expect(dense.quantiles(qs)).toEqual(expected);

    const sparseOf = (sketch: Sketch) => {
      const merge = new SketchMerge();
      merge.add(sketch);
      return merge.sparse();
    };
    const summed = addSparseCounts(addSparseCounts(sparseOf(a!), sparseOf(b!)), sparseOf(c!));
    expect(Object.fromEntries(Array.from(summed.buckets, (bucket, i) => [String(bucket), summed.counts[i]]))).toEqual(whole);
    const sparse = new SketchMerge();
    sparse.addSparse(summed);
    expect(sparse.quantiles(qs)).toEqual(expected);
    expect(sparse.sparse()).toBe(summed);
    // A sparse sum that more is added to goes dense and still agrees.
    sparse.add(c!);
    mergeInto(whole, c!);
    expect(sparse.quantiles(qs)).toEqual(qs.map((q) => quantile(whole, q)));
    expect(addSparseCounts(summed, { buckets: new Int32Array(0), counts: new Float64Array(0) })).toEqual(summed);
  });

  it('gives the counts of a dense merge in ascending bucket order, those beyond the dense array (over ~33 min) included', () => {
    // Two stored sketches (two rollups) of latencies past the dense array, the larger first: they reach the merge's
    // side map in that order, and the sparse form that a kept chart bucket holds must still be ascending.
    const [larger, smaller, open]: Sketch[] = [{}, {}, {}];
    for (let i = 0; i < 10; i++) addTo(larger!, 9_000_000);
    for (let i = 0; i < 10; i++) addTo(smaller!, 3_000_000);
    addTo(larger!, 120);
    addTo(open!, 5_000_000);
    const merge = new SketchMerge();
    merge.add(larger!);
    merge.add(smaller!);
    const sparse = merge.sparse();
    expect([...sparse.buckets]).toEqual([...sparse.buckets].sort((a, b) => a - b));
    // What latency.ts does for a chart bucket with closed and open rollups: sparse sums, then quantiles.
    const openMerge = new SketchMerge();
    openMerge.add(open!);
    const summed = new SketchMerge();
    summed.addSparse(addSparseCounts(sparse, openMerge.sparse()));
    const exact = [120, ...Array(10).fill(9_000_000), ...Array(10).fill(3_000_000), 5_000_000].sort((a, b) => a - b);
    const qs = [0, 0.5, 0.95, 0.99, 1];
    const got = summed.quantiles(qs);
    for (const [i, q] of qs.entries()) {
      const want = quantileOfSorted(exact, q)!;
      expect(Math.abs(got[i]! - want) / want).toBeLessThanOrEqual(RELATIVE_ERROR + 1e-12);
    }
  });

  it('has no quantile when empty', () => {
    expect(quantile({}, 0.5)).toBeNull();
    expect(quantileOfSorted([], 0.5)).toBeNull();
  });
});
