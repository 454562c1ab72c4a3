import http from 'node:http';
import https from 'node:https';
import { systemTrust, type TrustedRequestOptions } from '../engine/checks/trust.ts';

export interface TextRequest {
  method: string;
  headers: Record<string, string>;
  body?: string;
  signal: AbortSignal;
}

/** What the probe client reads of an answer: `fetch`'s Response has it too, so tests may pass fetch itself. */
export interface TextAnswer {
  status: number;
  text(): Promise<string>;
}

export type RequestText = (url: string, init: TextRequest) => Promise<TextAnswer>;

/**
 * A request to the central uptop, verified over HTTPS against the CAs the checks trust (src/engine/checks/trust.ts):
 * a central server behind the company's CA, installed system-wide, is reachable as from the Go original's probe.
 * Node's fetch verifies against its bundled roots only and takes no TLS context.
 */
export const requestText: RequestText = async (url, { method, headers, body, signal }) => {
  const target = new URL(url);
  const isHttps = target.protocol === 'https:';
  const options: TrustedRequestOptions = {
    method,
    headers: body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) },
    signal,
    secureContext: isHttps ? await systemTrust.secureContext() : undefined,
  };
  return new Promise<TextAnswer>((resolve, reject) => {
    const req = (isHttps ? https.request : http.request)(target, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.once('error', reject);
      res.once('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, text: async () => text });
      });
    });
    req.once('error', (err) => reject(signal.aborted ? signal.reason : err));
    req.end(body);
  });
};
