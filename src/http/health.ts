import type { Db } from '../db/client.ts';
import type { EngineApi } from '../engine/types.ts';
import type { Logger } from '../log.ts';
import type { Writer } from '../writer/types.ts';
import type { PlainAnswer, PlainRoute } from './plain.ts';

/** `GET /healthz`: the process is up and serving HTTP; nothing else is consulted, so a busy database cannot fail it. */
function liveness(): PlainAnswer {
  return { status: 200, body: 'ok' };
}

/**
 * `GET /readyz`: the database answers on the reading connection, takes the writer's writes, and the engine is
 * running; otherwise 503 naming what is wrong, so a load balancer stops routing here (also while shutting down, once
 * the engine has stopped) and a monitor of uptop itself sees a database that can be read but not written.
 */
export function healthRoutes(deps: { db: Db; engine: EngineApi; writer: Pick<Writer, 'stats'>; logger: Logger }): PlainRoute[] {
  async function readiness(): Promise<PlainAnswer> {
    const problems: string[] = [];
    try {
      await deps.db.$queryRaw`SELECT 1`;
    } catch (err) {
      deps.logger.warn({ err }, 'readiness: database query failed');
      problems.push('database unreachable');
    }
    const failing = deps.writer.stats.failing;
    if (failing) problems.push(`database writes failing since ${failing.since.toISOString()} (${failing.error})`);
    if (!deps.engine.running) problems.push('engine not running');
    // In a cluster the load balancer's operator also sees which instance answered and its share of the slots.
    const cluster = deps.engine.status().cluster;
    const about = cluster
      ? `\ninstance: ${cluster.instanceId}\nslots held: ${cluster.slotsHeld} of ${cluster.slotsTotal}\nmembers: ${cluster.members.join(', ')}`
      : '';
    return problems.length ? { status: 503, body: `not ready: ${problems.join(', ')}${about}` } : { status: 200, body: `ready${about}` };
  }

  return [
    { path: '/healthz', methods: ['GET', 'HEAD'], answer: liveness },
    { path: '/readyz', methods: ['GET', 'HEAD'], answer: readiness },
  ];
}
