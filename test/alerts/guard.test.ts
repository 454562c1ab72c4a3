import dns from 'node:dns';
import { describe, expect, it, vi } from 'vitest';
import { getProvider } from '../../src/alerts/providers/index.ts';
import type { AlertSettings } from '../../src/alerts/types.ts';
import { startTestApp } from '../helpers/app.ts';
import { startReceiver } from '../helpers/receiver.ts';
import { startSmtpServer } from '../helpers/smtp.ts';
import { guarded } from './provider-contract.ts';
import { closedPortUrl, DOWN, sendContext, sendError } from './support.ts';

// Each provider whose target comes from a channel's settings, and each operator endpoint, is tested beside it
// through describePrivateTargetsRefused and itTrustsItsOperatorEndpoint (provider-contract.ts).

describe('a permitted target', () => {
  it('is connected to at the address the guard checked, without a second lookup', async () => {
    const receiver = await startReceiver();
    // dns.lookup is what net and undici resolve with when they are given no lookup of their own.
    const lookup = vi.spyOn(dns, 'lookup');
    try {
      const base = receiver.url.replace('127.0.0.1', 'localhost');
      await getProvider('WEBHOOK').send({ url: `${base}/hook` }, DOWN, sendContext(receiver));
      expect(lookup).not.toHaveBeenCalled();
    } finally {
      lookup.mockRestore();
    }
    expect(receiver.requests.map((r) => [r.path, r.headers.host])).toEqual([['/hook', `localhost:${new URL(receiver.url).port}`]]);
  });
});

describe('redirects', () => {
  it('are followed to the new target: 307 repeats the signed POST, 303 turns it into a GET', async () => {
    const [moved, target] = [await startReceiver(), await startReceiver()];
    moved.status = 307;
    moved.headers = { Location: `${target.url}/new?via=307` };
    await getProvider('WEBHOOK').send({ url: `${moved.url}/old`, secret: 's' }, DOWN, sendContext(moved));
    const [first] = moved.requests;
    expect(target.requests.map((r) => [r.method, r.path, r.query, r.headers['x-uptop-signature']])).toEqual([
      ['POST', '/new', { via: '307' }, first!.headers['x-uptop-signature']],
    ]);
    expect(target.requests[0]!.body).toEqual(first!.body);

    moved.status = 303;
    await getProvider('WEBHOOK').send({ url: `${moved.url}/old` }, DOWN, sendContext(moved));
    expect(target.requests[1]).toMatchObject({ method: 'GET', path: '/new' });
    expect(target.requests[1]!.body.length).toBe(0);
  });

  it('go through the guard even from an operator-set endpoint', async () => {
    const [gateway, inside] = [await startReceiver(), await startReceiver()];
    gateway.status = 307;
    gateway.headers = { Location: `${inside.url}/admin` };
    const err = await sendError(getProvider('PAGERDUTY').send({ routing_key: 'k' }, DOWN, guarded(gateway.url)));
    expect(err.message).toBe('POST request failed: blocked: 127.0.0.1 resolves to a private address');
    expect(gateway.requests).toHaveLength(1);
    expect(inside.connections).toBe(0);
  });

  it('end after 10', async () => {
    const loop = await startReceiver();
    loop.status = 302;
    loop.headers = { Location: '/again' };
    const err = await sendError(getProvider('SLACK').send({ url: `${loop.url}/start` }, DOWN, sendContext(loop)));
    expect(err.message).toBe('POST request failed: stopped after 10 redirects');
    expect(loop.requests).toHaveLength(11);
  });
});

describe('a target that does not resolve', () => {
  it("fails with the resolver's reason, before any connection", async () => {
    const err = await sendError(getProvider('WEBHOOK').send({ url: 'http://nowhere.invalid/hook' }, DOWN, guarded('http://unused')));
    expect(err.message).toBe('POST request failed: resolve failed: lookup nowhere.invalid: no such host');
  });
});

describe('EMAIL with private targets refused', () => {
  const settingsFor = (host: string, port: number): AlertSettings => ({ host, port: String(port), from: 'a@example.com', to: 'b@example.com' });

  it('refuses a loopback SMTP host, by address or by name, without connecting', async () => {
    const server = await startSmtpServer({ starttls: false });
    const email = getProvider('EMAIL');
    for (const host of ['127.0.0.1', 'localhost']) {
      const err = await sendError(email.send(settingsFor(host, server.port), DOWN, guarded('http://unused')));
      expect(err.message).toBe(`SMTP send failed: blocked: ${host} resolves to a private address`);
    }
    expect(server.connections).toBe(0);
    expect(server.mails).toEqual([]);
  });

  it('when allowed, connects to the checked address and still asks TLS for the configured name', async () => {
    const server = await startSmtpServer();
    const lookup = vi.spyOn(dns, 'lookup');
    try {
      await getProvider('EMAIL').send({ ...settingsFor('localhost', server.port), tls_insecure: 'true' }, DOWN, sendContext({ url: 'http://unused' }));
      expect(lookup).not.toHaveBeenCalled();
    } finally {
      lookup.mockRestore();
    }
    expect(server.mails).toHaveLength(1);
    expect(server.mails[0]).toMatchObject({ secure: true, servername: 'localhost' });
  });
});

describe('testAlertChannel with private targets refused', () => {
  const CREATE = /* GraphQL */ `
    mutation GuardCreate($input: CreateAlertChannelInput!) {
      createAlertChannel(input: $input) { ... on AlertChannelPayload { alertChannel { id } } }
    }
  `;
  const TEST = /* GraphQL */ `
    mutation GuardTest($input: IdInput!) {
      testAlertChannel(input: $input) { __typename ... on AlertChannelPayload { test { ok error } } }
    }
  `;

  it('is no port scanner for an EDITOR: the same refusal whether a port is open or not, and nothing is sent', async () => {
    const t = await startTestApp({ env: { UPTOP_ALLOW_PRIVATE_TARGETS: 'false' } });
    const open = await startReceiver();
    open.status = 404;
    const closed = await closedPortUrl();
    const outcomes = [];
    for (const base of [open.url, closed]) {
      const created = await t.request(CREATE, { input: { name: base, provider: 'WEBHOOK', settings: { url: `${base}/probe` } } }, t.users.editor.token);
      const id = (created.data!.createAlertChannel as { alertChannel: { id: string } }).alertChannel.id;
      const res = await t.request(TEST, { input: { id } }, t.users.editor.token);
      outcomes.push(res.data!.testAlertChannel);
    }
    const refused = { __typename: 'AlertChannelPayload', test: { ok: false, error: 'POST request failed: blocked: 127.0.0.1 resolves to a private address' } };
    expect(outcomes).toEqual([refused, refused]);
    expect(open.connections).toBe(0);
  });
});
