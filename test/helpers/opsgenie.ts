import { randomUUID } from 'node:crypto';
import { onTestFinished } from 'vitest';
import { startHttpTarget } from './targets.ts';

/** A create or close request as Opsgenie processed it, as its Get Request Status tells. */
export interface ProcessedRequest {
  action: 'Create' | 'Close';
  alias: string;
  isSuccess: boolean;
  status: string;
}

export interface OpsgenieService {
  /** `http://127.0.0.1:<port>`: the Alert API is at `<url>/v2/alerts`, as UPTOP_OPSGENIE_URL names it. */
  url: string;
  /** Aliases of the alerts open now. */
  readonly open: string[];
  /** Every create and close, in the order Opsgenie processed them. */
  readonly processed: ProcessedRequest[];
  /** Every request, in the order it arrived, as `METHOD path`. */
  readonly requests: string[];
  /** While true, nothing is processed until `release()`. */
  held: boolean;
  /** While set, every create is processed as a failure with this status. */
  refusal: string | null;
  /** Processes every request waiting, in the order they arrived. */
  release(): void;
}

const ALERTS = '/v2/alerts';
const CLOSE = /^\/v2\/alerts\/([^/?]+)\/close\?identifierType=alias$/;
const STATUS = /^\/v2\/alerts\/requests\/([^/?]+)$/;

/**
 * Opsgenie's Alert API as far as its asynchronous processing goes: a create or close is answered `202` with a
 * `requestId` and processed later (docs.opsgenie.com/docs/alert-api, "Get Request Status"), and the request's status
 * is `404` with `X-Opsgenie-Errortype: RequestNotProcessed` until then (what Opsgenie's own SDK waits out). Requests
 * are not processed in the order they arrived: a close at once, a create only once another request has come in after
 * it, as a service under load may. A close of an alias with no open alert fails, "Alert does not exist".
 */
export async function startOpsgenie(): Promise<OpsgenieService> {
  const target = await startHttpTarget();
  onTestFinished(() => target.close());
  const open = new Set<string>();
  const waiting: { id: string; action: ProcessedRequest['action']; alias: string }[] = [];
  const done = new Map<string, ProcessedRequest>();
  const service: OpsgenieService = {
    url: target.url.replace(/\/$/, ''),
    get open() {
      return [...open];
    },
    processed: [],
    requests: [],
    held: false,
    refusal: null,
    release() {
      for (const request of waiting.splice(0)) processOne(request);
    },
  };
  const processOne = ({ id, action, alias }: (typeof waiting)[number]) => {
    let outcome: ProcessedRequest;
    if (action === 'Close') {
      const isSuccess = open.delete(alias);
      outcome = { action, alias, isSuccess, status: isSuccess ? 'Closed alert' : 'Alert does not exist' };
    } else {
      if (service.refusal === null) open.add(alias);
      outcome = { action, alias, isSuccess: service.refusal === null, status: service.refusal ?? 'Created alert' };
    }
    service.processed.push(outcome);
    done.set(id, outcome);
  };
  const arrived = (request: (typeof waiting)[number] | null) => {
    if (service.held) {
      if (request) waiting.push(request);
      return;
    }
    // The creates that came before this request are processed now; a create itself waits for the next one.
    const ready = waiting.splice(0);
    if (request?.action === 'Create') waiting.push(request);
    else if (request) ready.unshift(request);
    for (const r of ready) processOne(r);
  };
  target.handle((req, res, body) => {
    const path = req.url ?? '';
    service.requests.push(`${req.method} ${path}`);
    const json = (status: number, answer: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
      res.end(JSON.stringify(answer));
    };
    const accept = (action: ProcessedRequest['action'], alias: string) => {
      const id = randomUUID();
      arrived({ id, action, alias });
      json(202, { result: 'Request will be processed', took: 0.01, requestId: id });
    };
    const close = CLOSE.exec(path);
    const status = STATUS.exec(path);
    if (req.method === 'POST' && path === ALERTS) return accept('Create', (JSON.parse(body) as { alias: string }).alias);
    if (req.method === 'POST' && close) return accept('Close', decodeURIComponent(close[1]!));
    if (req.method === 'GET' && status) {
      arrived(null);
      const outcome = done.get(status[1]!);
      if (!outcome) {
        const notYet = { message: 'Request not found. It might not be processed, yet.', took: 0.01, requestId: randomUUID() };
        return json(404, notYet, { 'X-Opsgenie-Errortype': 'RequestNotProcessed' });
      }
      return json(200, { data: { success: outcome.isSuccess, ...outcome, processedAt: new Date().toISOString() }, took: 0.01, requestId: status[1] });
    }
    json(404, { message: 'no such handler' });
  });
  return service;
}
