import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { AlertProvider, MonitorType } from '../generated/prisma/client.ts';
import { WRITE_KINDS, type Write, type WriterStats } from '../writer/types.ts';

/** What uptop's own series read when scraped: the writer's counters and the open subscriptions. */
export interface UptopSources {
  writerStats(): WriterStats;
  /** Open subscriptions per transport. */
  subscriptions(): { 'graphql-ws': number; sse: number };
}

/**
 * uptop's own series: the writer (queue depth, writes and drops by kind, failed writes, batch durations), checks by
 * monitor type, alert sends by provider, and open subscriptions by transport. Event counts are observed as they
 * happen; the rest is read from `sources` at each scrape.
 */
export class UptopMetrics {
  private readonly writes: Counter<'kind'>;
  private readonly batchDuration: Histogram;
  private readonly checkDuration: Histogram<'type'>;
  private readonly alertsSent: Counter<'provider'>;
  private readonly alertsFailed: Counter<'provider'>;

  constructor(registry: Registry, sources: () => UptopSources | null) {
    const registers = [registry];
    new Gauge({
      name: 'uptop_writer_queue_depth',
      help: 'Writes waiting in the database writer queue.',
      registers,
      collect() {
        const stats = sources()?.writerStats();
        if (stats) this.set(stats.queueDepth);
      },
    });
    this.writes = new Counter({
      name: 'uptop_writer_writes_total',
      help: 'Writes the writer handed to the database, by kind.',
      labelNames: ['kind'],
      registers,
    });
    new Counter({
      name: 'uptop_writer_dropped_total',
      help: 'Writes dropped because the writer queue was full, by kind.',
      labelNames: ['kind'],
      registers,
      collect() {
        const stats = sources()?.writerStats();
        if (!stats) return;
        this.reset();
        for (const kind of WRITE_KINDS) this.inc({ kind }, stats.dropped[kind]);
      },
    });
    new Counter({
      name: 'uptop_writer_failed_writes_total',
      help: 'Writes lost in failed batches (each is logged).',
      registers,
      collect() {
        const stats = sources()?.writerStats();
        if (!stats) return;
        this.reset();
        this.inc(stats.failedWrites);
      },
    });
    new Gauge({
      name: 'uptop_writer_failing',
      help: "Whether the database refuses the writer's writes for now (1): they are held in the queue and retried.",
      registers,
      collect() {
        const stats = sources()?.writerStats();
        if (stats) this.set(stats.failing ? 1 : 0);
      },
    });
    this.batchDuration = new Histogram({
      name: 'uptop_writer_batch_duration_seconds',
      help: 'How long the writer took to write one batch (one transaction).',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.checkDuration = new Histogram({
      name: 'uptop_check_duration_seconds',
      help: 'Duration (latency) of checks, by monitor type.',
      labelNames: ['type'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.alertsSent = new Counter({ name: 'uptop_alerts_sent_total', help: 'Alerts delivered, by provider.', labelNames: ['provider'], registers });
    this.alertsFailed = new Counter({ name: 'uptop_alerts_failed_total', help: 'Alert sends that failed, by provider.', labelNames: ['provider'], registers });
    new Gauge({
      name: 'uptop_subscriptions_open',
      help: 'GraphQL subscriptions open now, by transport.',
      labelNames: ['transport'],
      registers,
      collect() {
        const open = sources()?.subscriptions();
        if (!open) return;
        for (const [transport, count] of Object.entries(open)) this.set({ transport }, count);
      },
    });
    // Every kind and both transports from the first scrape, so `rate()` and absence alerts have a series to read.
    for (const kind of WRITE_KINDS) this.writes.inc({ kind }, 0);
  }

  batchWritten(batch: readonly Write[], durationMs: number): void {
    this.batchDuration.observe(durationMs / 1000);
    const perKind = new Map<Write['kind'], number>();
    for (const write of batch) perKind.set(write.kind, (perKind.get(write.kind) ?? 0) + 1);
    for (const [kind, count] of perKind) this.writes.inc({ kind }, count);
  }

  checkCompleted(type: MonitorType, latencyMs: number | null): void {
    if (latencyMs !== null) this.checkDuration.observe({ type: type.toLowerCase() }, latencyMs / 1000);
  }

  alertSent(provider: AlertProvider, ok: boolean): void {
    (ok ? this.alertsSent : this.alertsFailed).inc({ provider: provider.toLowerCase() });
  }
}
