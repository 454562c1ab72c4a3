import { Registry, type Metric, type OpenMetricsContentType } from 'prom-client';

/** What a prom-client registry reads of a metric at run time (its typings do not name these members). */
interface RegisteredMetric {
  name: string;
  help: string;
  type: string;
  get(): Promise<object>;
}

export type ExpositionFormat = 'prometheus' | 'openmetrics';

export const CONTENT_TYPES: Record<ExpositionFormat, string> = {
  prometheus: Registry.PROMETHEUS_CONTENT_TYPE,
  openmetrics: Registry.OPENMETRICS_CONTENT_TYPE,
};

/** The q of the first media range in `accept` that `matches` (0 when none does). */
function quality(accept: string, matches: (type: string) => boolean): number {
  for (const range of accept.split(',')) {
    const [type = '', ...params] = range.split(';').map((part) => part.trim().toLowerCase());
    if (!matches(type)) continue;
    const q = params.find((p) => p.startsWith('q='));
    return q ? Number(q.slice(2)) || 0 : 1;
  }
  return 0;
}

/**
 * OpenMetrics when the scraper's Accept prefers it to the Prometheus text format (Prometheus itself sends
 * `application/openmetrics-text;version=1.0.0,...,text/plain;version=0.0.4;q=0.5,*\/*;q=0.1`), else the text format.
 */
export function negotiateFormat(accept: string | undefined): ExpositionFormat {
  if (!accept) return 'prometheus';
  const openMetrics = quality(accept, (type) => type === 'application/openmetrics-text');
  const text = quality(accept, (type) => type === 'text/plain' || type === 'text/*' || type === '*/*');
  return openMetrics > 0 && openMetrics >= text ? 'openmetrics' : 'prometheus';
}

/**
 * A counter as an OpenMetrics registry must see it. prom-client 15 renames a counter in place when an OpenMetrics
 * registry renders it (`uptop_monitor_checks_total` becomes `uptop_monitor_checks`, its family name there), and the
 * Prometheus text format then loses the `_total` of its samples. This view carries the family name itself, so the
 * counter is never renamed.
 */
function openMetricsCounter(counter: RegisteredMetric): RegisteredMetric {
  const name = counter.name.replace(/_total$/, '');
  return { name, help: counter.help, type: counter.type, get: async () => ({ ...(await counter.get()), name }) };
}

/** Renders `registry` (in the Prometheus text format) in either format, without changing its metrics. */
export async function render(registry: Registry, format: ExpositionFormat): Promise<string> {
  if (format === 'prometheus') return registry.metrics();
  const openMetrics = new Registry<OpenMetricsContentType>();
  openMetrics.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  for (const metric of registry.getMetricsAsArray() as unknown as RegisteredMetric[]) {
    openMetrics.registerMetric((metric.type === 'counter' ? openMetricsCounter(metric) : metric) as unknown as Metric);
  }
  return openMetrics.metrics();
}
