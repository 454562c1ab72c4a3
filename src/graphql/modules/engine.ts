import type { ClusterStatus, EngineStatusSnapshot, LogRecord } from '../../engine/types.ts';
import { builder, pageSize } from '../builder.ts';
import { globalId } from '../ids.ts';

const DEFAULT_LOGS = 50;

const ClusterStatusRef = builder.objectRef<ClusterStatus>('ClusterStatus').implement({
  description: 'This instance among several on one PostgreSQL: sites are leased to instances by slot (site id modulo the slot count).',
  fields: (t) => ({
    instanceId: t.exposeString('instanceId', { description: 'UPTOP_INSTANCE_ID, or host name and process id.' }),
    members: t.exposeStringList('members', { description: 'The instances whose membership is live, this one included, in id order.' }),
    slotsHeld: t.exposeInt('slotsHeld', { description: 'Slots this instance leases now: it checks their sites.' }),
    slotsTotal: t.exposeInt('slotsTotal'),
  }),
});

const EngineStatusRef = builder.objectRef<EngineStatusSnapshot>('EngineStatus').implement({
  fields: (t) => ({
    running: t.exposeBoolean('running'),
    cluster: t.field({ type: ClusterStatusRef, nullable: true, description: 'Null for a single instance (SQLite).', resolve: (s) => s.cluster }),
    sites: t.exposeInt('sites'),
    up: t.exposeInt('up'),
    down: t.exposeInt('down'),
    pending: t.exposeInt('pending'),
    paused: t.exposeInt('paused'),
    maintenance: t.exposeInt('maintenance'),
    queueDepth: t.exposeInt('queueDepth', { description: 'Writes waiting for the database.' }),
    droppedWrites: t.exposeInt('droppedWrites', { description: 'Writes dropped because the queue was full, since start.' }),
    writesFailingSince: t.expose('writesFailingSince', {
      type: 'DateTime',
      nullable: true,
      description: 'Since when the database has refused writes, which are held and retried (/readyz answers 503 meanwhile); null while it takes them.',
    }),
    writesFailing: t.exposeString('writesFailing', { nullable: true, description: "The database's latest refusal, while writesFailingSince is set." }),
    checksPerMinute: t.exposeFloat('checksPerMinute'),
  }),
});

const LogEntryRef = builder.objectRef<LogRecord>('LogEntry').implement({
  fields: (t) => ({
    message: t.exposeString('message'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    siteId: t.id({ nullable: true, resolve: (log) => (log.siteId === null ? null : globalId('Site', log.siteId)) }),
  }),
});

builder.queryFields((t) => ({
  engineStatus: t.field({
    type: EngineStatusRef,
    authScopes: { read: true },
    resolve: (_root, _args, ctx) => ctx.engine.status(),
  }),
  logs: t.field({
    type: [LogEntryRef],
    description: "The engine's recent log, newest first.",
    authScopes: { read: true },
    args: {
      first: t.arg.int({ required: false, validate: pageSize }),
    },
    resolve: (_root, args, ctx) => ctx.engine.logs(args.first ?? DEFAULT_LOGS),
  }),
}));

builder.subscriptionFields((t) => ({
  engineStatus: t.field({
    type: EngineStatusRef,
    description: 'On every change, at most once a second.',
    authScopes: { read: true },
    subscribe: (_root, _args, ctx) => ctx.subscriptions.track(ctx.pubsub.subscribe('engine:status')),
    resolve: (status) => status,
  }),
  logAdded: t.field({
    type: LogEntryRef,
    authScopes: { read: true },
    subscribe: (_root, _args, ctx) => ctx.subscriptions.track(ctx.pubsub.subscribe('log:added')),
    resolve: (log) => log,
  }),
}));
