import { Counter, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { negotiateFormat, render } from '../../src/metrics/exposition.ts';

describe('negotiateFormat', () => {
  it.each([
    [undefined, 'prometheus'],
    ['*/*', 'prometheus'],
    ['text/plain;version=0.0.4', 'prometheus'],
    // Prometheus 2.x's own Accept.
    ['application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1', 'openmetrics'],
    ['application/openmetrics-text', 'openmetrics'],
    ['text/plain;q=0.9, application/openmetrics-text;q=0.5', 'prometheus'],
    ['application/openmetrics-text;q=0, */*', 'prometheus'],
    ['Application/OpenMetrics-Text; Version=1.0.0', 'openmetrics'],
  ] as const)('%s → %s', (accept, format) => {
    expect(negotiateFormat(accept)).toBe(format);
  });
});

describe('render', () => {
  it('renders a counter in both formats, in any order, without renaming it', async () => {
    const registry = new Registry();
    new Counter({ name: 'jobs_total', help: 'Jobs.', registers: [registry] }).inc(3);
    const text = '# HELP jobs_total Jobs.\n# TYPE jobs_total counter\njobs_total 3\n';
    expect(await render(registry, 'prometheus')).toBe(text);
    expect(await render(registry, 'openmetrics')).toBe('# HELP jobs Jobs.\n# TYPE jobs counter\njobs_total 3\n# EOF\n');
    expect(await render(registry, 'prometheus')).toBe(text);
  });
});
