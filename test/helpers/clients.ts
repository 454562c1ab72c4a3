import { createClient, type Client } from 'graphql-ws';
import { expect, onTestFinished } from 'vitest';
import WebSocket from 'ws';
import type { App } from '../../src/app.ts';

export interface Closable {
  /** Close codes seen by the client, in order. */
  closes: number[];
}

/**
 * A graphql-ws client (no retries, connects at once), disposed when the test ends. A token is sent as
 * `connectionParams.authorization`; `connectionParams` replaces that for tests of other shapes.
 */
export function wsClient(wsUrl: string, token?: string, connectionParams?: Record<string, unknown>): Client & Closable {
  const closes: number[] = [];
  const client = createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: false,
    // A refused connection shows in `closes`; the default would print the close event.
    onNonLazyError: () => undefined,
    connectionParams: connectionParams ?? (token ? { authorization: `Bearer ${token}` } : undefined),
    on: { closed: (event) => closes.push((event as { code: number }).code) },
  });
  onTestFinished(() => client.dispose());
  return Object.assign(client, { closes });
}

/** Opens a raw WebSocket handshake and reports how it ended: opened, or the HTTP status it was refused with. */
export function handshake(url: string, headers: Record<string, string>): Promise<number | 'open'> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, 'graphql-transport-ws', { headers });
    ws.on('open', () => {
      ws.close();
      resolve('open');
    });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('error', (err) => {
      if (!/Unexpected server response/.test(err.message)) reject(err);
    });
  });
}

export interface ExecutionResult {
  data?: Record<string, any> | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

/** The data of one subscription result; fails with the whole result when it has errors or no data. */
export function dataOf(result: ExecutionResult | null | undefined): Record<string, any> {
  if (!result?.data || result.errors?.length) throw new Error(`expected data without errors, got ${JSON.stringify(result, null, 2)}`);
  return result.data;
}

/** A subscription whose results are collected; `errors` holds a refusal (the graphql-ws `error` message). */
export interface Collected {
  results: ExecutionResult[];
  errors: { message: string }[];
  done: Promise<void>;
  stop(): void;
}

export function collectWs(client: Client, query: string, variables?: Record<string, unknown>): Collected {
  const results: ExecutionResult[] = [];
  const errors: { message: string }[] = [];
  let stop = () => {};
  const done = new Promise<void>((resolve) => {
    stop = client.subscribe(
      { query, variables },
      {
        next: (r) => results.push(r as ExecutionResult),
        error: (e) => {
          errors.push(...(Array.isArray(e) ? e : [{ message: e instanceof Error ? e.message : String(e) }]));
          resolve();
        },
        complete: resolve,
      },
    );
  });
  return { results, errors, done, stop: () => stop() };
}

/**
 * A GraphQL-over-SSE subscription (distinct connections mode: POST with `accept: text/event-stream`), its `next`
 * results collected; `done` resolves when the server completes the stream.
 */
export async function collectSse(
  graphqlUrl: string,
  query: string,
  opts: { token?: string; variables?: Record<string, unknown> } = {},
): Promise<Collected & { status: number; readonly ending: 'complete' | 'eof' | 'error' | null }> {
  const controller = new AbortController();
  const res = await fetch(graphqlUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'text/event-stream',
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
    },
    body: JSON.stringify({ query, variables: opts.variables }),
    signal: controller.signal,
  });
  const results: ExecutionResult[] = [];
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let ending: 'complete' | 'eof' | 'error' | null = null;
  const done = (async () => {
    let buffer = '';
    try {
      for (;;) {
        const { value, done: ended } = await reader.read();
        if (ended) {
          ending = 'eof';
          return;
        }
        buffer += decoder.decode(value, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const event = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const name = /^event: (.*)$/m.exec(event)?.[1] ?? 'message';
          const data = /^data: (.*)$/m.exec(event)?.[1];
          if (name === 'complete') {
            ending = 'complete';
            return;
          }
          if (data) results.push(JSON.parse(data) as ExecutionResult);
        }
      }
    } catch {
      // An aborted or cut stream; `ending` tells the test which.
      ending ??= controller.signal.aborted ? null : 'error';
    }
  })();
  onTestFinished(() => controller.abort());
  return {
    status: res.status,
    results,
    errors: [],
    done,
    stop: () => controller.abort(),
    get ending() {
      return ending;
    },
  };
}

/**
 * Adds engine log lines on `on` until every stream has received another one: they are all live (through Redis when
 * the streams are on another instance).
 */
export async function live(on: { app: App }, ...streams: Collected[]): Promise<void> {
  const before = streams.map((s) => s.results.length);
  await expect
    .poll(() => {
      on.app.deps.engine.addLog('tick', null, false);
      return streams.every((s, i) => s.results.length > before[i]!);
    })
    .toBe(true);
}
