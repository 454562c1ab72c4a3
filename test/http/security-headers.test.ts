import https from 'node:https';
import { onTestFinished } from 'vitest';
import { CONTENT_SECURITY_POLICY, GRAPHIQL_CONTENT_SECURITY_POLICY, STRICT_TRANSPORT_SECURITY } from '../../src/http/security-headers.ts';
import { cspViolations, launchChromium } from '../helpers/chromium.ts';
import { describe, expect, it } from '../helpers/fixtures.ts';
import { startTlsApp } from '../helpers/tls-app.ts';

const EXPECTED = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'content-security-policy': CONTENT_SECURITY_POLICY,
};

function securityHeaders(headers: Headers | Record<string, string | string[] | undefined>): Record<string, string | null> {
  const get = (name: string) => (headers instanceof Headers ? headers.get(name) : ((headers[name] as string | undefined) ?? null));
  return Object.fromEntries([...Object.keys(EXPECTED), 'strict-transport-security'].map((name) => [name, get(name)]));
}

describe('security headers', () => {
  it('are on every answer over HTTP, without HSTS: GraphQL, GraphiQL, plain routes and errors', async ({ app: t, site }) => {
    const post = (body: string, headers: Record<string, string> = {}) =>
      fetch(t.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    const answers: [string, Response][] = [
      ['graphql', await post(JSON.stringify({ query: '{ __typename }' }))],
      ['graphiql', await fetch(t.graphqlUrl, { headers: { accept: 'text/html' } })],
      ['healthz', await fetch(`${t.url}/healthz`)],
      ['push', await fetch(`${t.url}/api/push`, { headers: { authorization: `Bearer ${site.pushToken}` } })],
      ['metrics 401', await fetch(`${t.url}/metrics`)],
      ['404', await fetch(`${t.url}/no/such/page`)],
      ['405', await fetch(`${t.url}/healthz`, { method: 'POST' })],
      ['403 origin', await post('{}', { origin: 'https://evil.example' })],
      ['413', await post('x'.repeat(t.config.graphql.bodyLimitBytes + 1))],
    ];
    expect(answers.map(([name, res]) => [name, res.status])).toEqual([
      ['graphql', 200],
      ['graphiql', 200],
      ['healthz', 200],
      ['push', 200],
      ['metrics 401', 401],
      ['404', 404],
      ['405', 405],
      ['403 origin', 403],
      ['413', 413],
    ]);
    // Only GraphiQL's page may run inline script and style.
    const policy = (name: string) => (name === 'graphiql' ? GRAPHIQL_CONTENT_SECURITY_POLICY : CONTENT_SECURITY_POLICY);
    for (const [name, res] of answers) {
      expect(securityHeaders(res.headers), name).toEqual({ ...EXPECTED, 'content-security-policy': policy(name), 'strict-transport-security': null });
    }
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe-inline');
  });

  it('add HSTS over TLS', async () => {
    const { port, ca } = await startTlsApp();
    const get = (requestPath: string) =>
      new Promise<{ status: number; headers: Record<string, string | string[] | undefined> }>((resolve, reject) => {
        const req = https.request({ host: '127.0.0.1', port, path: requestPath, ca }, (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
        });
        req.on('error', reject);
        req.end();
      });
    for (const requestPath of ['/healthz', '/graphql?query=%7B__typename%7D', '/nowhere']) {
      const res = await get(requestPath);
      expect(securityHeaders(res.headers), requestPath).toEqual({ ...EXPECTED, 'strict-transport-security': STRICT_TRANSPORT_SECURITY });
    }
  });

  it('let GraphiQL run in Chromium without a single CSP violation', async ({ app: t }) => {
    const browser = await launchChromium();
    onTestFinished(() => browser.close());
    const page = await browser.newPage();
    const violations = await cspViolations(page);
    const response = await page.goto(`${t.graphqlUrl}?query=${encodeURIComponent('{ __typename }')}`);
    expect(response?.headers()['content-security-policy']).toBe(GRAPHIQL_CONTENT_SECURITY_POLICY);
    await page.locator('.graphiql-execute-button').click();
    await expect.poll(() => page.locator('.result-window').textContent(), { timeout: 15_000 }).toMatch(/"__typename":\s*"Query"/);
    expect(violations).toEqual([]);
  });
});
