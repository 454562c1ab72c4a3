import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { onTestFinished } from 'vitest';
import { createApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { freshDbFile } from './db.ts';
import { createCertificate } from './targets.ts';

/**
 * The app serving HTTPS on loopback with a fresh self-signed certificate (UPTOP_TLS_CERT and UPTOP_TLS_KEY), stopped
 * when the test ends. `ca` is the certificate to trust.
 */
export async function startTlsApp(env: Record<string, string> = {}): Promise<{ port: number; ca: string }> {
  const db = freshDbFile();
  const cert = await createCertificate(30);
  fs.writeFileSync(path.join(db.dir, 'cert.pem'), cert.cert);
  fs.writeFileSync(path.join(db.dir, 'key.pem'), cert.key);
  const config = loadConfig({
    DATABASE_URL: db.url,
    UPTOP_HTTP_HOST: '127.0.0.1',
    UPTOP_HTTP_PORT: '0',
    UPTOP_TLS_CERT: path.join(db.dir, 'cert.pem'),
    UPTOP_TLS_KEY: path.join(db.dir, 'key.pem'),
    ...env,
  });
  const app = await createApp(config, { logger: pino({ level: 'silent' }) });
  onTestFinished(() => app.stop());
  const { port } = await app.start();
  return { port, ca: cert.cert };
}
