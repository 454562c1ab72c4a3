import type { ServerResponse } from 'node:http';
import type { Clock } from '../clock.ts';

/**
 * Cuts `res` once its client has taken nothing of what waits for it during a whole period of `ms` (so between `ms`
 * and twice that after it stopped reading). Until then the answer stays in memory for a reader that may never come
 * back: a large page held whole for each such connection, or an SSE stream with its backlog and its place among
 * the user's streams. Only a stall counts: a request still being worked on, or a stream with nothing to send, has
 * nothing waiting, and a client that takes its bytes slowly makes progress.
 *
 * Our own timer, not the socket's: whatwg-node turns that one off for every streamed answer. Progress is what node
 * reports, a write taken whole or a drain, so one write must be taken whole within a period (the Go original gave the
 * whole answer 60 s); routes.ts writes large bodies a mebibyte at a time.
 */
export function cutWhenStalled(res: ServerResponse, clock: Clock, ms: number, onCut: (unsentBytes: number) => void): void {
  let unsentBefore = Number.POSITIVE_INFINITY;
  // A stream writes again only after a drain, so its waiting bytes can be as many as a period ago and yet new.
  let drained = false;
  const onDrain = () => {
    drained = true;
  };
  const check = () => {
    // Without a socket, the answer waits behind another on the same connection (pipelining), which is watched itself.
    const unsent = res.socket ? res.writableLength : 0;
    if (unsent > 0 && unsent >= unsentBefore && !drained) {
      onCut(unsent);
      res.destroy();
      return;
    }
    unsentBefore = unsent;
    drained = false;
    timer = clock.setTimeout(check, ms);
  };
  let timer = clock.setTimeout(check, ms);
  res.on('drain', onDrain);
  res.once('close', () => {
    clock.clearTimeout(timer);
    res.off('drain', onDrain);
  });
}
