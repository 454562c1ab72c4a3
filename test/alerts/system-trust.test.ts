import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { getProvider } from '../../src/alerts/providers/index.ts';
import { startSmtpServer } from '../helpers/smtp.ts';
import { createAuthority, createCertificate, startHttpsTarget, type HttpTarget, type TestAuthority } from '../helpers/targets.ts';
import { DOWN, sendContext } from './support.ts';

// The process's system store is loaded once, at its first HTTPS request: this file has a process of its own (forks),
// so the variables below are what that first request reads.
describe('an alert to a self-hosted service signed by a CA installed system-wide', () => {
  let dir: string;
  let ntfy: HttpTarget;
  let company: TestAuthority;

  beforeAll(async () => {
    company = await createAuthority('Example Corp internal CA');
    ntfy = await startHttpsTarget(await createCertificate(90, company));
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uptop-ca-'));
    fs.writeFileSync(path.join(dir, 'company.pem'), company.cert);
    vi.stubEnv('SSL_CERT_FILE', path.join(dir, 'none.crt'));
    vi.stubEnv('SSL_CERT_DIR', `${path.join(dir, 'none')}:${dir}`);
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await ntfy.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('is sent when the CA is in a directory SSL_CERT_DIR names', async () => {
    await getProvider('NTFY').send({ url: ntfy.url, topic: 'ops' }, DOWN, sendContext({ url: ntfy.url }));
    expect(ntfy.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /ops']);
  });

  it('is mailed through a relay whose STARTTLS certificate that CA signed, verified', async () => {
    const relay = await startSmtpServer({ certificate: await createCertificate(90, company) });
    await getProvider('EMAIL').send(
      { host: relay.host, port: String(relay.port), from: 'uptop@example.com', to: 'ops@example.com' },
      DOWN,
      sendContext({ url: 'http://unused' }),
    );
    expect(relay.mails.map((m) => [m.secure, m.rcptTo])).toEqual([[true, ['ops@example.com']]]);
  });
});
