import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.ts';
import { TimerQueue } from '../../src/engine/timer-queue.ts';

interface Item {
  name: string;
  slot: number;
}

function queue() {
  const clock = new FakeClock(0);
  const fired: string[] = [];
  const q = new TimerQueue<Item>(clock, (item) => fired.push(`${item.name}@${clock.nowMs()}`));
  const item = (name: string): Item => ({ name, slot: -1 });
  return { clock, fired, q, item };
}

describe('TimerQueue', () => {
  it('fires each item at its time, ties in the order they were set, on one clock timer', () => {
    const { clock, fired, q, item } = queue();
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map(item);
    q.set(c!, 300);
    q.set(a!, 100);
    q.set(d!, 300);
    q.set(b!, 200);
    expect(clock.pendingTimers).toBe(1);
    clock.advance(250);
    expect(fired).toEqual(['a@100', 'b@200']);
    clock.advance(1000);
    expect(fired).toEqual(['a@100', 'b@200', 'c@300', 'd@300']);
    expect(q.size).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });

  it('moves an item set again, and forgets a deleted one at once', () => {
    const { clock, fired, q, item } = queue();
    const [a, b, c] = ['a', 'b', 'c'].map(item);
    q.set(a!, 100);
    q.set(b!, 200);
    q.set(c!, 300);
    q.set(a!, 250);
    q.delete(b!);
    expect(q.size).toBe(2);
    expect(b!.slot).toBe(-1);
    clock.advance(1000);
    expect(fired).toEqual(['a@250', 'c@300']);
    q.set(a!, 2000);
    q.delete(a!);
    expect(clock.pendingTimers).toBe(0);
  });

  it('keeps its order through many random sets and deletes', () => {
    const { clock, fired, q, item } = queue();
    const items = Array.from({ length: 500 }, (_, i) => item(String(i)));
    let seed = 7;
    const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    const due = new Map<Item, number>();
    for (let round = 0; round < 3000; round++) {
      const target = items[Math.floor(random() * items.length)]!;
      if (random() < 0.2) {
        q.delete(target);
        due.delete(target);
      } else {
        const at = 1 + Math.floor(random() * 10_000);
        q.set(target, at);
        due.set(target, at);
      }
    }
    clock.advance(20_000);
    const expected = [...due].sort((x, y) => x[1] - y[1]).map(([target, at]) => ({ name: target.name, at }));
    const got = fired.map((f) => ({ name: f.split('@')[0]!, at: Number(f.split('@')[1]) }));
    expect(got.map((g) => g.at)).toEqual(expected.map((e) => e.at));
    expect(new Set(got.map((g) => g.name))).toEqual(new Set(expected.map((e) => e.name)));
  });

  it('lets a fired item be set again from its own callback', () => {
    const clock = new FakeClock(0);
    const times: number[] = [];
    const job = { slot: -1 };
    const q = new TimerQueue<typeof job>(clock, (j) => {
      times.push(clock.nowMs());
      if (times.length < 3) q.set(j, clock.nowMs() + 30_000);
    });
    q.set(job, 30_000);
    clock.advance(200_000);
    expect(times).toEqual([30_000, 60_000, 90_000]);
    expect(clock.pendingTimers).toBe(0);
  });
});
