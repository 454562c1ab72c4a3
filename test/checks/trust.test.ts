import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CaStoreSources } from '../../src/engine/checks/system-cas.ts';
import { TrustStore } from '../../src/engine/checks/trust.ts';
import { createAuthority, createCertificate, startHttpsTarget, type HttpTarget, type TestAuthority } from '../helpers/targets.ts';

/** How a handshake with `context` ends: 'trusted', or the verification error's code. */
function handshake(target: HttpTarget, context: tls.SecureContext): Promise<string> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port: target.port, secureContext: context, rejectUnauthorized: true }, () => {
      socket.destroy();
      resolve('trusted');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

describe('TrustStore', () => {
  let dir: string;
  let company: TestAuthority;
  let internal: HttpTarget;
  let warnings: { fields: Record<string, unknown>; message: string }[];

  const store = (fields: Partial<CaStoreSources>) =>
    new TrustStore({ files: [], directories: [], env: {}, ...fields }, (fields, message) => warnings.push({ fields, message }));

  beforeAll(async () => {
    company = await createAuthority('Example Corp internal CA');
    internal = await startHttpsTarget(await createCertificate(90, company));
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uptop-ca-'));
    fs.writeFileSync(path.join(dir, 'company.pem'), company.cert);
  });
  afterAll(async () => {
    await internal.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    warnings = [];
  });

  it('verifies a server signed by a CA of the system store, without a warning', async () => {
    const trust = store({ files: [path.join(dir, 'company.pem')] });
    expect(await handshake(internal, await trust.secureContext())).toBe('trusted');
    expect(warnings).toEqual([]);
  });

  it('builds its context once, however many requests ask for it at once or later', async () => {
    const trust = store({ directories: [dir] });
    const [first, second] = await Promise.all([trust.secureContext(), trust.secureContext()]);
    expect(second).toBe(first);
    expect(await trust.secureContext()).toBe(first);
  });

  it("falls back to Node's roots alone when the store is missing, with one warning naming where it looked", async () => {
    const files = [path.join(dir, 'missing.crt')];
    const directories = [path.join(dir, 'missing')];
    const trust = store({ files, directories });
    const context = await trust.secureContext();
    await trust.secureContext();
    expect(await handshake(internal, context)).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    expect(warnings).toEqual([
      {
        fields: { files, directories },
        message: "no CA certificate found in the system's store: HTTPS checks and alerts trust Node's bundled roots only",
      },
    ]);
  });

  it('says why when the store could not be read', async () => {
    const trust = store({ env: { SSL_CERT_FILE: dir, SSL_CERT_DIR: path.join(dir, 'missing') } });
    await trust.secureContext();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.fields).toEqual({ files: [dir], directories: [path.join(dir, 'missing')], error: expect.stringContaining('EISDIR') });
  });

  it('keeps trusting NODE_EXTRA_CA_CERTS, which a context of its own would otherwise drop', async () => {
    const trust = store({ env: { NODE_EXTRA_CA_CERTS: path.join(dir, 'company.pem') } });
    expect(await handshake(internal, await trust.secureContext())).toBe('trusted');
  });
});
