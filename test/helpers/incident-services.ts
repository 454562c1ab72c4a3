import type { ReceivedRequest } from './receiver.ts';

/** An incident as PagerDuty or Opsgenie keeps it: where it lives, its key there, and the text of the alert that opened it. */
export interface ServiceIncident {
  service: 'pagerduty' | 'opsgenie';
  key: string;
  text: string;
}

/** What the services made of the requests: every incident opened (each one a page), and those still open. */
export interface IncidentLedger {
  opened: ServiceIncident[];
  open: ServiceIncident[];
}

const OPSGENIE_CLOSE = /\/v2\/alerts\/([^/]+)\/close$/;

/**
 * Replays the requests a receiver got as PagerDuty's Events API v2 (`/v2/enqueue`) and Opsgenie's Alert API
 * (`…/v2/alerts`) treat them: a trigger or create whose key (dedup_key, alias) has an open incident within the same
 * routing or API key is folded into it and pages nobody; a resolve or close ends the open incident of its key, whoever
 * opened it.
 */
export function incidentLedger(requests: readonly ReceivedRequest[]): IncidentLedger {
  const open = new Map<string, ServiceIncident>();
  const opened: ServiceIncident[] = [];
  const trigger = (scope: string, incident: ServiceIncident) => {
    if (open.has(scope)) return;
    open.set(scope, incident);
    opened.push(incident);
  };
  for (const r of requests) {
    if (r.path.endsWith('/v2/enqueue')) {
      const body = r.json() as { routing_key: string; event_action: string; dedup_key: string; payload?: { summary: string } };
      const scope = `pagerduty ${body.routing_key} ${body.dedup_key}`;
      if (body.event_action === 'trigger') trigger(scope, { service: 'pagerduty', key: body.dedup_key, text: body.payload?.summary ?? '' });
      else if (body.event_action === 'resolve') open.delete(scope);
      continue;
    }
    const genieKey = String(r.headers.authorization);
    const close = OPSGENIE_CLOSE.exec(r.path);
    if (close && r.query.identifierType === 'alias') {
      open.delete(`opsgenie ${genieKey} ${decodeURIComponent(close[1]!)}`);
    } else if (r.path.endsWith('/v2/alerts')) {
      const body = r.json() as { alias: string; description: string };
      trigger(`opsgenie ${genieKey} ${body.alias}`, { service: 'opsgenie', key: body.alias, text: body.description });
    }
  }
  return { opened, open: [...open.values()] };
}

/** Each request as the service, what it asks and the key: `pagerduty trigger <key>`, `opsgenie close <alias>`. */
export function incidentActions(requests: readonly ReceivedRequest[]): string[] {
  return requests.flatMap((r) => {
    if (r.path.endsWith('/v2/enqueue')) {
      const body = r.json() as { event_action: string; dedup_key: string };
      return [`pagerduty ${body.event_action} ${body.dedup_key}`];
    }
    const close = OPSGENIE_CLOSE.exec(r.path);
    if (close) return [`opsgenie close ${decodeURIComponent(close[1]!)}`];
    if (r.path.endsWith('/v2/alerts')) return [`opsgenie create ${(r.json() as { alias: string }).alias}`];
    return [];
  });
}
