import { collectDefaultMetrics, Registry } from 'prom-client';
import type { SendOutcome } from '../alerts/dispatcher.ts';
import type { AppPubSub } from '../engine/events.ts';
import type { CheckRecord, EngineApi } from '../engine/types.ts';
import type { AlertProvider } from '../generated/prisma/client.ts';
import type { HttpApp } from '../http/server.ts';
import type { Write, Writer } from '../writer/types.ts';
import { render, type ExpositionFormat } from './exposition.ts';
import { MonitorMetrics } from './monitor-metrics.ts';
import { UptopMetrics } from './uptop-metrics.ts';

/** What the metrics read once the app is wired: all of it in memory. */
export interface MetricsSources {
  engine: EngineApi;
  writer: Pick<Writer, 'stats'>;
  pubsub: AppPubSub;
  http: Pick<HttpApp, 'openSubscriptions' | 'openWsSubscriptions'>;
}

/**
 * One app's metrics in a registry of its own (tests run several apps in one process, so never prom-client's global
 * one): the per-monitor series, uptop's own, and prom-client's process and Node.js defaults. Made before the writer
 * and the engine, which report to `onBatch` and `onAlertSent`; `attach` then hands it the rest.
 */
export class AppMetrics {
  readonly registry = new Registry();
  private readonly monitors = new MonitorMetrics(this.registry);
  private readonly own: UptopMetrics;
  private sources: MetricsSources | null = null;
  private checks: AsyncIterator<CheckRecord> | null = null;

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

  /** Reads `sources` from now on and counts every result the engine publishes on `site:checkCompleted`. */
  attach(sources: MetricsSources): void {
    this.sources = sources;
    const checks = sources.pubsub.subscribe('site:checkCompleted')[Symbol.asyncIterator]();
    this.checks = checks;
    void (async () => {
      for (let next = await checks.next(); !next.done; next = await checks.next()) this.checkCompleted(sources.engine, next.value);
    })();
  }

  /** Stops counting checks (app stop). */
  async stop(): Promise<void> {
    await this.checks?.return?.();
  }

  /** The whole registry in `format`, the per-monitor series first refreshed from the engine's memory. */
  scrape(format: ExpositionFormat): Promise<string> {
    if (this.sources) this.monitors.refresh(this.sources.engine);
    return render(this.registry, format);
  }

  private checkCompleted(engine: EngineApi, check: CheckRecord): void {
    const state = engine.getState(check.siteId);
    if (!state) return;
    this.monitors.recordCheck(check.siteId, check.up);
    this.own.checkCompleted(state.type, check.latencyMs);
  }
}
