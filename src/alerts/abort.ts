/**
 * Settles as `work` does, or rejects with the signal's reason once it fires (at once if it already has), to race work
 * that ignores it. Its listener goes when `work` settles: a send that tries again (a 429) races the same signal each
 * time, and listeners left behind would pile up on it until the send ends.
 */
export function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  let onAbort = () => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
  });
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  return Promise.race([work, aborted]).finally(() => signal.removeEventListener('abort', onAbort));
}
