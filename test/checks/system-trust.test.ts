import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCheck } from '../../src/engine/checks/index.ts';
import { createAuthority, createCertificate, startHttpsTarget, type HttpTarget, type TestCertificate } from '../helpers/targets.ts';
import { allowPrivate, site } from './fixtures.ts';

// The process's system store is loaded once, at its first HTTPS check: this file has a process of its own (forks),
// so the variables below are what that first check reads.
describe('HTTPS checks against a server signed by a CA installed system-wide', () => {
  let dir: string;
  let bundle: string;
  let signed: TestCertificate;
  let target: HttpTarget;

  beforeAll(async () => {
    const company = await createAuthority('Example Corp internal CA');
    signed = await createCertificate(90, company);
    target = await startHttpsTarget(signed);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uptop-ca-'));
    bundle = path.join(dir, 'ca-certificates.crt');
    fs.writeFileSync(bundle, company.cert);
    vi.stubEnv('SSL_CERT_FILE', bundle);
    // No directory either, so the machine's own /etc/ssl/certs cannot be what vouches for the server.
    vi.stubEnv('SSL_CERT_DIR', path.join(dir, 'none'));
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await target.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('is UP, with its certificate read, when SSL_CERT_FILE holds the CA; the store is read once, not per check', async () => {
    const verified = site({ url: target.url, checkSsl: true });
    expect(await runCheck(verified, allowPrivate)).toMatchObject({ status: 'UP', statusCode: 200, hasSsl: true, certExpiresAt: signed.notAfter });
    fs.rmSync(bundle);
    expect(await runCheck(verified, allowPrivate)).toMatchObject({ status: 'UP', hasSsl: true });
  });

  it('still trusts the public roots Node ships: a self-signed server stays DOWN', async () => {
    const selfSigned = await startHttpsTarget(await createCertificate(90));
    try {
      const result = await runCheck(site({ url: selfSigned.url }), allowPrivate);
      expect(result).toMatchObject({ status: 'DOWN', message: 'TLS error: self-signed certificate' });
    } finally {
      await selfSigned.close();
    }
  });
});
