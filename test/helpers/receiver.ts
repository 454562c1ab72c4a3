import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { onTestFinished } from 'vitest';

export interface ReceivedRequest {
  method: string;
  /** Path without the query string, as sent (still percent-encoded). */
  path: string;
  query: Record<string, string>;
  /** Lower-case names, as Node's parser gives them. */
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  text(): string;
  json(): unknown;
}

/** Milliseconds to wait before answering, `'never'` (held open until the receiver closes), or a promise to wait for. */
export type Delay = number | 'never' | Promise<unknown>;

export interface Receiver {
  /** `http://127.0.0.1:<port>` without a trailing slash. */
  url: string;
  requests: ReceivedRequest[];
  /** Every request in the order its answer was sent: the order a service that acts on answering would act in. */
  answered: ReceivedRequest[];
  /** TCP connections accepted so far (a blocked sender must open none). */
  connections: number;
  /** Status of every following answer (200 by default). */
  status: number;
  /** Extra headers of every following answer (a `Location` for a redirect). */
  headers: Record<string, string>;
  /** Body of every following answer (`{"ok":true}` by default). */
  body: string;
  /** Whether each following answer breaks off after `body`: the connection closes before the body ends. */
  breakBody: boolean;
  /** When to answer each following request; a function decides per request. */
  delay: Delay | ((req: ReceivedRequest) => Delay);
  /** Resolves with the next request once its body has arrived, even if the answer is still pending. */
  nextRequest(): Promise<ReceivedRequest>;
  close(): Promise<void>;
}

/**
 * A local stand-in for the alert services: records each request exactly as it arrived and answers
 * with a settable status after a settable delay. Closed automatically when the test ends.
 */
export async function startReceiver(): Promise<Receiver> {
  const waiting: ((req: ReceivedRequest) => void)[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://receiver');
      const body = Buffer.concat(chunks);
      const recorded: ReceivedRequest = {
        method: req.method ?? '',
        path: (req.url ?? '/').split('?')[0] ?? '/',
        query: Object.fromEntries(url.searchParams),
        headers: req.headers,
        body,
        text: () => body.toString('utf8'),
        json: () => JSON.parse(body.toString('utf8')) as unknown,
      };
      receiver.requests.push(recorded);
      waiting.shift()?.(recorded);
      const answer = () => {
        if (res.destroyed) return;
        receiver.answered.push(recorded);
        res.writeHead(receiver.status, { 'Content-Type': 'application/json', ...receiver.headers });
        if (receiver.breakBody) res.write(receiver.body, () => res.destroy());
        else res.end(receiver.body);
      };
      const delay = typeof receiver.delay === 'function' ? receiver.delay(recorded) : receiver.delay;
      if (delay === 'never') return;
      if (delay === 0) return answer();
      if (typeof delay !== 'number') {
        void delay.then(answer, answer);
        return;
      }
      const timer = setTimeout(() => {
        timers.delete(timer);
        answer();
      }, delay);
      timers.add(timer);
    });
  });
  server.on('connection', () => receiver.connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  let closed: Promise<void> | undefined;
  const receiver: Receiver = {
    url: `http://127.0.0.1:${port}`,
    requests: [],
    answered: [],
    connections: 0,
    status: 200,
    headers: {},
    body: '{"ok":true}',
    breakBody: false,
    delay: 0,
    nextRequest: () => new Promise((resolve) => waiting.push(resolve)),
    close() {
      closed ??= new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
  onTestFinished(() => receiver.close());
  return receiver;
}
