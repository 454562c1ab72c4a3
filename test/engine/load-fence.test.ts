import { describe, expect, it } from 'vitest';
import { LoadFence } from '../../src/engine/load-fence.ts';

/** A read that stays in flight until `end()` is called. */
function openRead(fence: LoadFence) {
  let epoch = 0;
  let finish!: () => void;
  const done = fence.read((e) => {
    epoch = e;
    return new Promise<void>((resolve) => (finish = resolve));
  });
  return {
    epoch,
    async end() {
      finish();
      await done;
    },
  };
}

describe('LoadFence', () => {
  it('a removal fences off the reads that began before it, and only those', async () => {
    const fence = new LoadFence();
    const older = openRead(fence);
    fence.removed(7);
    const newer = openRead(fence);
    expect(fence.admits(7, older.epoch)).toBe(false);
    expect(fence.admits(8, older.epoch)).toBe(true);
    expect(fence.admits(7, newer.epoch)).toBe(true);
    await older.end();
    await newer.end();
  });

  it('forgets a removal once no read older than it is in flight, so the memory stays bounded', async () => {
    const fence = new LoadFence();
    const first = openRead(fence);
    const second = openRead(fence);
    fence.removed(7);
    await first.end();
    expect(fence.admits(7, second.epoch)).toBe(false);
    await second.end();
    expect(fence.admits(7, second.epoch)).toBe(true);
  });
});
