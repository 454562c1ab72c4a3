import { vi } from 'vitest';
import { turns } from '../../src/turns.ts';

/**
 * Records every step taken through `turns` (a request's start, a page of changes, a batch of rollups decoded) as it
 * begins, and every turn of the event loop, by a callback in the same phase as the steps, until `stop`.
 */
export function recordTurns() {
  const events: ('step' | 'turn')[] = [];
  const next = turns.next.bind(turns);
  const spy = vi.spyOn(turns, 'next').mockImplementation(() => next().then(() => void events.push('step')));
  let turning = true;
  const turn = () => {
    events.push('turn');
    if (turning) setImmediate(turn);
  };
  setImmediate(turn);
  return {
    stop() {
      turning = false;
      spy.mockRestore();
    },
    steps: () => events.filter((e) => e === 'step').length,
    /** Where two steps ran in one turn; -1 when none did. */
    crowded: () => events.findIndex((e, i) => e === 'step' && events[i + 1] === 'step'),
  };
}
