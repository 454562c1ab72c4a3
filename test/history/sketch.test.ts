import { describe, expect, it } from 'vitest';
import {
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

  it('has no quantile when empty', () => {
    expect(quantile({}, 0.5)).toBeNull();
    expect(quantileOfSorted([], 0.5)).toBeNull();
  });
});
