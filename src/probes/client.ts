import type { Clock } from '../clock.ts';
import { requestText, type RequestText } from './request-text.ts';
import { assignmentsAnswer, type RegisterBody, type ResultItem } from './wire.ts';

/** The Go original's probe client timeout. */
export const REQUEST_TIMEOUT_MS = 10_000;

/** A probe endpoint answered something else than 200; `status` says what (401: the token was refused). */
export class ProbeRequestError extends Error {
  override name = 'ProbeRequestError';
  constructor(
    readonly status: number,
    what: string,
    text: string,
  ) {
    super(`${what} answered ${status}: ${text.trim().slice(0, 300) || '(no body)'}`);
  }
}

export interface ProbeClientOptions {
  /** The central uptop, e.g. `https://uptop.example.com` (no trailing slash needed). */
  server: string;
  token: string;
  clock: Clock;
  /** Aborts every request in flight (stop). */
  signal: AbortSignal;
  /** How a request is made: requestText, which trusts the system's CAs; `fetch` fits too. */
  fetch?: RequestText;
}

/** The three probe endpoints, as `uptop probe` calls them: the probe token as a bearer token, JSON both ways. */
export class ProbeClient {
  private readonly base: string;
  private readonly fetch: RequestText;

  constructor(private readonly options: ProbeClientOptions) {
    this.base = options.server.replace(/\/+$/, '');
    this.fetch = options.fetch ?? requestText;
  }

  async register(node: RegisterBody): Promise<void> {
    await this.request('POST', '/api/probe/register', node);
  }

  /** The sites as listed, not yet validated one by one (a site this probe cannot read is skipped, not fatal). */
  async assignments(nodeId: string): Promise<unknown[]> {
    const text = await this.request('GET', `/api/probe/assignments?${new URLSearchParams({ node_id: nodeId })}`);
    const parsed = assignmentsAnswer.safeParse(JSON.parse(text));
    if (!parsed.success) throw new Error(`GET /api/probe/assignments answered an unexpected body: ${parsed.error.message}`);
    return parsed.data.sites ?? [];
  }

  async report(nodeId: string, results: readonly ResultItem[], signal?: AbortSignal): Promise<void> {
    await this.request('POST', '/api/probe/results', { node_id: nodeId, results }, signal);
  }

  /** One request, bounded by REQUEST_TIMEOUT_MS on the injected clock and by the stop signal (or `signal`). */
  private async request(method: 'GET' | 'POST', path: string, body?: unknown, signal = this.options.signal): Promise<string> {
    const { clock, token } = this.options;
    const bounded = new AbortController();
    const timer = clock.setTimeout(() => bounded.abort(new Error(`no answer within ${REQUEST_TIMEOUT_MS / 1000} s`)), REQUEST_TIMEOUT_MS);
    // Not AbortSignal.any: on Node 20 each call leaves a record on the stop signal, which lives as long as the probe
    // (about 90 bytes a request, never freed: tens of megabytes a month at one request every few seconds).
    const onStop = () => bounded.abort(signal.reason);
    if (signal.aborted) onStop();
    else signal.addEventListener('abort', onStop, { once: true });
    try {
      const res = await this.fetch(`${this.base}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: bounded.signal,
      });
      const text = await res.text();
      if (res.status !== 200) throw new ProbeRequestError(res.status, `${method} ${path.split('?')[0]}`, text);
      return text;
    } finally {
      clock.clearTimeout(timer);
      signal.removeEventListener('abort', onStop);
    }
  }
}
