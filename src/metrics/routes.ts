import type { AuthService } from '../auth/sessions.ts';
import type { Config } from '../config.ts';
import { authenticate } from '../http/authenticate.ts';
import type { PlainRequest, PlainRoute } from '../http/plain.ts';
import { CONTENT_TYPES, negotiateFormat } from './exposition.ts';
import type { AppMetrics } from './registry.ts';

/**
 * `GET /metrics`: Prometheus text, or OpenMetrics when the scraper asks for it. It needs a bearer session or API token
 * of any role (a read-only token will do), unless UPTOP_METRICS_PUBLIC=true.
 */
export function metricsRoutes(deps: { metrics: AppMetrics; auth: Pick<AuthService, 'resolveViewer'>; config: Pick<Config, 'metricsPublic'> }): PlainRoute[] {
  async function scrape({ req }: PlainRequest) {
    if (!deps.config.metricsPublic) {
      const { refused } = await authenticate(req, deps.auth, 'read');
      if (refused) return refused;
    }
    const format = negotiateFormat(req.headers.accept);
    return { status: 200, body: await deps.metrics.scrape(format), headers: { 'content-type': CONTENT_TYPES[format], vary: 'Accept' } };
  }
  return [{ path: '/metrics', methods: ['GET', 'HEAD'], answer: scrape }];
}
