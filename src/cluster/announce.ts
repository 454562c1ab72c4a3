import { bumpChangeSignal, type Change } from '../db/change-signal.ts';
import type { Engine } from '../engine/engine.ts';
import type { Logger } from '../log.ts';
import type { Writer } from '../writer/types.ts';

/** The engine's commands that follow a configuration change, and what each tells the other instances. */
const ANNOUNCED: Readonly<Record<string, Change>> = {
  siteChanged: { what: 'config' },
  siteRemoved: { what: 'config' },
  maintenanceChanged: { what: 'config' },
  alertChannelsChanged: { what: 'config' },
  // An import replaced the world: the others load it again too.
  reload: { what: 'everything', userIds: [] },
};

/**
 * The engine as the API and the plain routes use it in a cluster: a change applied here is also announced through
 * the change signal (src/db/change-signal.ts) that every instance polls each second, so a site created on one
 * instance is checked by its owner within a second, not at the next reconcile.
 */
export function announcingEngine(engine: Engine, writer: Writer, logger: Logger): Engine {
  const announce = (change: Change) =>
    writer
      .submit((tx) => bumpChangeSignal(tx, change))
      .catch((err: unknown) => {
        // The reconcile timer still brings the change to the others, later.
        logger.warn({ err }, 'cluster: could not announce a change to the other instances');
      });
  return new Proxy(engine, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      const change = typeof property === 'string' ? ANNOUNCED[property] : undefined;
      if (!change || typeof value !== 'function') return typeof value === 'function' ? value.bind(target) : value;
      // Announced once applied here, without holding up the caller (an API answer waits for no other instance).
      return (...args: unknown[]) => {
        const result: unknown = value.apply(target, args);
        if (result instanceof Promise)
          void result.then(
            () => announce(change),
            () => announce(change),
          );
        else void announce(change);
        return result;
      };
    },
  });
}
