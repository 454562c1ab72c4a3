import type { IncomingMessage } from 'node:http';
import type { RateLimiter } from '../auth/rate-limit.ts';
import { resolveClientKey } from './client-ip.ts';

/** A plain (non-GraphQL) answer; the router writes it. `content-type` defaults to plain text. */
export interface PlainAnswer {
  status: number;
  body: string | Buffer;
  headers?: Record<string, string>;
}

/** What a plain route is handed. */
export interface PlainRequest {
  req: IncomingMessage;
  query: URLSearchParams;
  /** For a prefix route, the rest of the path after the prefix (`/api/push/<rest>`); '' for an exact route. */
  rest: string;
  /** The request body, read up to the route's `bodyLimit`; empty for a route without one. */
  body: Buffer;
}

/**
 * One plain endpoint. Each domain builds its own routes (push, health, metrics, status, backup) and the router in
 * routes.ts mounts them; none of them touches yoga.
 */
export interface PlainRoute {
  path: string;
  /** Matches `path` followed by anything (`/api/push/` + token). Exact routes win over prefixes. */
  prefix?: boolean;
  methods: readonly string[];
  /** Bytes of body the route reads; without it the body is discarded unread. */
  bodyLimit?: number;
  /**
   * Runs before the body is read: an answer refuses the request there (not signed in, over a rate limit), so nobody
   * can make the server buffer a large body without the right to send one.
   */
  admit?(req: IncomingMessage): PlainAnswer | undefined | Promise<PlainAnswer | undefined>;
  answer(request: PlainRequest): PlainAnswer | Promise<PlainAnswer>;
}

export function textAnswer(status: number, body: string, headers?: Record<string, string>): PlainAnswer {
  return { status, body, headers };
}

/** 429 with Retry-After in whole seconds (at least one). */
export function tooManyRequests(retryAfterMs: number): PlainAnswer {
  return textAnswer(429, 'Too Many Requests', { 'retry-after': String(Math.max(1, Math.ceil(retryAfterMs / 1000))) });
}

/** An `admit` step that spends one of the client's requests (per IP, see resolveClientKey), answering 429 once they are spent. */
export function perIpLimit(limiter: RateLimiter, trustedProxies: string[]): (req: IncomingMessage) => PlainAnswer | undefined {
  return (req) => {
    const key = resolveClientKey(req, trustedProxies);
    return limiter.take(key) ? undefined : tooManyRequests(limiter.retryAfterMs(key));
  };
}

export function jsonAnswer(status: number, value: unknown, headers?: Record<string, string>): PlainAnswer {
  return { status, body: JSON.stringify(value), headers: { 'content-type': 'application/json; charset=utf-8', ...headers } };
}

/** Reads a request body up to `limit` bytes; the rest of a larger one is not read, and an aborted one is dropped. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too-large' | 'aborted'> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.pause();
        resolve('too-large');
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    // After 'end' this settles nothing; before it, the client went away mid-body.
    req.on('close', () => resolve('aborted'));
    req.on('error', () => resolve('aborted'));
  });
}
