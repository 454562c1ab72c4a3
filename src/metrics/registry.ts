import { collectDefaultMetrics, Registry } from 'prom-client';
import type { SendOutcome } from '../alerts/dispatcher.ts';
import type { EngineApi } from '../engine/types.ts';
import type { AlertProvider } from '../generated/prisma/client.ts';
import type { HttpApp } from '../http/server.ts';
import { interceptEnqueue } from '../writer/intercept.ts';
import type { Write, Writer } from '../writer/types.ts';
import { render, type ExpositionFormat } from './exposition.ts';
import { MonitorMetrics } from './monitor-metrics.ts';
import { UptopMetrics } from './uptop-metrics.ts';

/** What the metrics read once the app is wired: all of it in memory. */
export interface MetricsSources {
  engine: EngineApi;
  writer: Pick<Writer, 'stats'>;
  http: Pick<HttpApp, 'openSubscriptions' | 'openWsSubscriptions'>;
}

/**
 * One app's metrics in a registry of its own (tests run several apps in one process, so never prom-client's global
 * one): the per-monitor series, uptop's own, and prom-client's process and Node.js defaults. Made before the writer
 * and the engine, which report to `onBatch` and `onAlertSent`; the engine writes through `observeWrites(writer)`, and
 * `attach` then hands it the rest.
 */
export class AppMetrics {
  readonly registry = new Registry();
  private readonly monitors = new MonitorMetrics();
  private readonly own: UptopMetrics;
  private sources: MetricsSources | null = null;

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    this.own = new UptopMetrics(this.registry, () => {
      const sources = this.sources;
      if (!sources) return null;
      return {
        writerStats: () => sources.writer.stats,
        subscriptions: () => {
          const ws = sources.http.openWsSubscriptions;
          return { 'graphql-ws': ws, sse: Math.max(0, sources.http.openSubscriptions - ws) };
        },
      };
    });
  }

  /** The writer's observer (WriterOptions.onBatch). */
  readonly onBatch = (batch: readonly Write[], durationMs: number): void => this.own.batchWritten(batch, durationMs);

  /** The engine's alert observer (EngineOptions.onAlertSent). */
  readonly onAlertSent = (provider: AlertProvider, outcome: SendOutcome): void => this.own.alertSent(provider, outcome.ok);

  /**
   * The engine's writer, seeing each result as the engine hands its check row over (every result and accepted
   * heartbeat is one, DESIGN "Writer"): counted at once, in the engine's own call, before the queue may drop it. Not a
   * `site:checkCompleted` subscription: a pubsub subscriber holds at most 1,024 undelivered events, and a burst of
   * results in one turn of the event loop (10,000 beats, a reconcile) would overflow it inside the engine's publish.
   */
  observeWrites(writer: Writer): Writer {
    return interceptEnqueue(writer, (write, next) => {
      if (write.kind === 'check') this.checkCompleted(write.siteId, write.up, write.latencyMs);
      next(write);
    });
  }

  /** Reads `sources` from now on. */
  attach(sources: MetricsSources): void {
    this.sources = sources;
  }

  /** The registry in `format`, then the per-monitor series from the engine's memory (OpenMetrics' `# EOF` last). */
  async scrape(format: ExpositionFormat): Promise<string> {
    const rest = await render(this.registry, format);
    if (!this.sources) return rest;
    const monitors = await this.monitors.render(this.sources.engine, format);
    return format === 'openmetrics' ? `${rest.replace(/# EOF\n?$/, '')}${monitors}# EOF\n` : `${rest}${monitors}`;
  }

  private checkCompleted(siteId: number, up: boolean, latencyMs: number | null): void {
    this.monitors.recordCheck(siteId, up, this.sources?.engine);
    const type = this.sources?.engine.getState(siteId)?.type;
    if (type) this.own.checkCompleted(type, latencyMs);
  }
}
