import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FakeClock } from '../../src/clock.ts';
import { ProbeClient } from '../../src/probes/client.ts';
import { createAuthority, createCertificate, startHttpsTarget, type HttpTarget } from '../helpers/targets.ts';

// The process's system store is loaded once, at its first HTTPS request: this file has a process of its own (forks),
// so the variable below is what that first request reads.
describe('a probe whose central uptop is signed by a CA installed system-wide', () => {
  let dir: string;
  let central: HttpTarget;

  beforeAll(async () => {
    const company = await createAuthority('Example Corp internal CA');
    central = await startHttpsTarget(await createCertificate(90, company));
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uptop-ca-'));
    fs.writeFileSync(path.join(dir, 'bundle.crt'), company.cert);
    vi.stubEnv('SSL_CERT_FILE', path.join(dir, 'bundle.crt'));
    vi.stubEnv('SSL_CERT_DIR', path.join(dir, 'none'));
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await central.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('registers over HTTPS, the certificate verified against the system store', async () => {
    const stop = new AbortController();
    const client = new ProbeClient({ server: central.url, token: 'token', clock: new FakeClock(Date.UTC(2026, 5, 1)), signal: stop.signal });
    await client.register({ id: 'p1', name: 'probe one', region: 'eu', version: 'test' });
    expect(central.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /api/probe/register']);
  });
});
