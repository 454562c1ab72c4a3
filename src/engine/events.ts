import { setMaxListeners } from 'node:events';
import { createPubSub } from 'graphql-yoga';
import type { CheckRecord, EngineStatusSnapshot, LogRecord, StateChangeRecord } from './types.ts';

/** Engine events that subscriptions listen to. Payloads are self-contained so fan-out needs no DB read. */
export type Topics = {
  'site:statusChanged': [StateChangeRecord];
  'site:checkCompleted': [CheckRecord];
  'engine:status': [EngineStatusSnapshot];
  'log:added': [LogRecord];
};

export function createAppPubSub() {
  const eventTarget = new EventTarget();
  // Thousands of subscribers listen on one topic; the default limit of 10 would only print a warning.
  setMaxListeners(Infinity, eventTarget);
  return createPubSub<Topics>({ eventTarget });
}

export type AppPubSub = ReturnType<typeof createAppPubSub>;
