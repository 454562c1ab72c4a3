import { describe, expect, it } from 'vitest';
import { getProvider } from '../../../src/alerts/providers/index.ts';
import { REDACTED as R, redactSettings } from '../../../src/alerts/redact.ts';
import { validateAlertSettings } from '../../../src/alerts/settings.ts';
import type { AlertSettings } from '../../../src/alerts/types.ts';
import { parseMail, startSilentServer, startSmtpServer, type TestSmtpServer } from '../../helpers/smtp.ts';
import { DOWN, TEST, sendContext, sendError, settingsIssues } from '../support.ts';

const email = getProvider('EMAIL');
const ctx = (overrides = {}) => sendContext({ url: 'http://unused' }, overrides);

function settingsFor(server: Pick<TestSmtpServer, 'host' | 'port'>, extra: AlertSettings = {}): AlertSettings {
  return { host: server.host, port: String(server.port), from: 'uptop@example.com', to: 'ops@example.com', ...extra };
}

/** Reads a body in whichever transfer encoding nodemailer picked. */
function decodeBody(body: string, encoding: string | undefined): string {
  if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') {
    const bytes = body.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => `%${hex}`);
    return decodeURIComponent(bytes);
  }
  return body;
}

function decodeSubject(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?UTF-8\?([BQ])\?([^?]*)\?=/gi, (_, kind: string, text: string) =>
      kind.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64').toString('utf8')
        : decodeURIComponent(text.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, '%$1')),
    );
}

describe('EMAIL', () => {
  it('delivers a plain-text mail to the single recipient', async () => {
    const server = await startSmtpServer({ starttls: false });
    await email.send(settingsFor(server), { ...DOWN, title: 'Disk full', message: 'api is DOWN: HTTP 503' }, ctx());

    expect(server.mails).toHaveLength(1);
    const [mail] = server.mails;
    expect(mail?.mailFrom).toBe('uptop@example.com');
    expect(mail?.rcptTo).toEqual(['ops@example.com']);
    expect(mail?.secure).toBe(false);
    expect(server.authAttempts).toEqual([]);
    const { headers, body } = parseMail(mail?.raw ?? '');
    expect(headers.from).toBe('uptop@example.com');
    expect(headers.to).toBe('ops@example.com');
    expect(headers.subject).toBe('uptop: Disk full');
    expect(headers['mime-version']).toBe('1.0');
    expect(headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(body.replace(/\r\n$/, '')).toBe('api is DOWN: HTTP 503');
  });

  it('carries emoji subjects and UTF-8 bodies intact', async () => {
    const server = await startSmtpServer({ starttls: false });
    await email.send(settingsFor(server), { ...TEST, message: 'Prüfung für „ops“ ✓' }, ctx());
    const { headers, body } = parseMail(server.mails[0]?.raw ?? '');
    expect(decodeSubject(headers.subject ?? '')).toBe('uptop: 🧪 Test Alert');
    expect(decodeBody(body, headers['content-transfer-encoding']).replace(/\r\n$/, '')).toBe('Prüfung für „ops“ ✓');
  });

  it('strips CR/LF from header values so a title cannot add headers or recipients', async () => {
    const server = await startSmtpServer({ starttls: false });
    await email.send(settingsFor(server), { ...DOWN, title: 'x\r\nBcc: evil@example.net' }, ctx());
    const [mail] = server.mails;
    expect(mail?.rcptTo).toEqual(['ops@example.com']);
    const { headers } = parseMail(mail?.raw ?? '');
    expect(headers.bcc).toBeUndefined();
    expect(headers.subject).toBe('uptop: xBcc: evil@example.net');
  });

  it('upgrades with STARTTLS and authenticates over TLS (tls_insecure accepts the self-signed certificate)', async () => {
    const server = await startSmtpServer({ credentials: { user: 'alice', pass: 's3cret-pass' } });
    await email.send(settingsFor(server, { user: 'alice', pass: 's3cret-pass', tls_insecure: 'true' }), DOWN, ctx());
    expect(server.authAttempts).toEqual([{ user: 'alice', secure: true }]);
    expect(server.mails).toHaveLength(1);
    expect(server.mails[0]).toMatchObject({ secure: true, user: 'alice', rcptTo: ['ops@example.com'] });
  });

  it('verifies the certificate by default and sends nothing when it fails', async () => {
    const server = await startSmtpServer({ credentials: { user: 'alice', pass: 's3cret-pass' } });
    const err = await sendError(email.send(settingsFor(server, { user: 'alice', pass: 's3cret-pass' }), DOWN, ctx()));
    expect(err.message).toMatch(/^SMTP send failed: .*self-signed certificate/);
    expect(err.message).not.toContain('s3cret-pass');
    expect(server.authAttempts).toEqual([]);
    expect(server.mails).toEqual([]);
  });

  it('refuses to send credentials in clear text to a host that is not loopback by name', async () => {
    const server = await startSmtpServer({ host: '127.0.0.2', starttls: false, credentials: { user: 'alice', pass: 's3cret-pass' } });
    const err = await sendError(email.send(settingsFor(server, { user: 'alice', pass: 's3cret-pass' }), DOWN, ctx()));
    expect(err.message).toMatch(/^SMTP send failed: /);
    expect(err.message).toMatch(/STARTTLS/i);
    expect(server.authAttempts).toEqual([]);
    expect(server.mails).toEqual([]);
  });

  it('allows clear-text auth to localhost, as Go does', async () => {
    const server = await startSmtpServer({ starttls: false, credentials: { user: 'alice', pass: 's3cret-pass' } });
    await email.send(settingsFor(server, { user: 'alice', pass: 's3cret-pass' }), DOWN, ctx());
    expect(server.authAttempts).toEqual([{ user: 'alice', secure: false }]);
    expect(server.mails).toHaveLength(1);
  });

  it('keeps the password out of the error even when the server quotes it', async () => {
    const server = await startSmtpServer({ credentials: { user: 'alice', pass: 'right' }, echoRejectedPassword: true });
    const err = await sendError(email.send(settingsFor(server, { user: 'alice', pass: 'wr0ng-pass', tls_insecure: 'true' }), DOWN, ctx()));
    expect(err.message).toMatch(/^SMTP send failed: Invalid login: 535 .*Invalid username or password \(got "\*\*\*"\)/);
    expect(err.message).not.toContain('wr0ng-pass');
    expect(server.mails).toEqual([]);
  });

  it('honours the overall deadline against a server that never answers, and hangs up', async () => {
    const server = await startSilentServer();
    const deadline = new AbortController();
    const connected = server.nextConnection();
    const sending = email.send(settingsFor(server), DOWN, ctx({ signal: deadline.signal, httpTimeoutMs: 60_000 }));
    const connection = await connected;
    deadline.abort();
    expect((await sendError(sending)).message).toBe('SMTP send failed: aborted before the alert deadline');
    await connection.closed;
  });

  it('gives up waiting for the greeting after the per-request timeout', async () => {
    const server = await startSilentServer();
    const err = await sendError(email.send(settingsFor(server), DOWN, ctx({ httpTimeoutMs: 50 })));
    expect(err.message).toMatch(/^SMTP send failed: timed out after 50 ms \(.+\)$/);
  });

  it('names a missing setting', async () => {
    const err = await sendError(email.send({ host: '127.0.0.1', from: 'a@b.c' }, DOWN, ctx()));
    expect(err.message).toBe('setting "to" is missing');
  });
});

describe('EMAIL settings', () => {
  it('accepts a port and a flag as JSON number and boolean, stored as text', () => {
    expect(
      validateAlertSettings('EMAIL', {
        host: 'smtp.example.com',
        port: 587,
        user: 'bob',
        pass: 'pw',
        from: 'uptop@example.com',
        to: 'ops@localhost',
        tls_insecure: true,
      }),
    ).toEqual({
      ok: true,
      settings: { host: 'smtp.example.com', port: '587', user: 'bob', pass: 'pw', from: 'uptop@example.com', to: 'ops@localhost', tls_insecure: 'true' },
    });
  });

  it.each<[unknown, { field: string; message: string }[]]>([
    [
      { host: 'smtp.example.com', port: '70000', from: 'a@b.c', to: 'x@y.z, evil@y.z' },
      [
        { field: 'settings.port', message: 'must be a whole number from 1 to 65535' },
        { field: 'settings.to', message: 'must be a single e-mail address such as alerts@example.com' },
      ],
    ],
    [
      { host: 'smtp.example.com:587', from: 'a@b.c', to: 'x@y.z' },
      [{ field: 'settings.host', message: 'must be a host name or IP address, without a port (the port is a setting of its own)' }],
    ],
    [
      { port: '25', from: 'a@b.c', to: 'x@y.z', tls_insecure: 'yes' },
      [
        { field: 'settings.host', message: 'is required' },
        { field: 'settings.tls_insecure', message: 'must be one of true, false' },
      ],
    ],
  ])('refuses %j', (input, expected) => {
    expect(settingsIssues('EMAIL', input)).toEqual(expected);
  });

  it.each(['192.0.2.25', '2001:db8::25', 'mail.example.com'])('accepts the host %s', (host) => {
    expect(validateAlertSettings('EMAIL', { host, from: 'a@b.c', to: 'x@y.z' })).toEqual({ ok: true, settings: { host, from: 'a@b.c', to: 'x@y.z' } });
  });

  it('shows the server and the addresses, not the credentials', () => {
    expect(
      redactSettings('EMAIL', { host: 'smtp.example.com', port: '587', user: 'bob', pass: 'pw', from: 'a@x.io', to: 'b@x.io', tls_insecure: 'false' }),
    ).toEqual({ host: 'smtp.example.com', port: '587', user: R, pass: R, from: 'a@x.io', to: 'b@x.io', tls_insecure: 'false' });
  });
});
