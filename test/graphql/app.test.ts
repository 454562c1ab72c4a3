import { spawn } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { freshDbFile } from '../helpers/db.ts';
import { capturingLogger } from '../helpers/log.ts';
import { startTlsApp } from '../helpers/tls-app.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');
const MAIN = path.join(ROOT, 'src/main.ts');

async function post(url: string, query: string, token?: string) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query }),
  });
  return (await res.json()) as { data?: any; errors?: unknown[] };
}

/** Runs `src/main.ts` as `npm start` does, in `cwd`, until it logs that it listens (or exits). */
function startMain(cwd: string, env: Record<string, string>) {
  const child = spawn(TSX, [MAIN], { cwd, env: { ...process.env, LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const listening = new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /"port":(\d+)[^\n]*"msg":"listening"/.exec(stdout);
      if (match) resolve(Number(match[1]));
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    void exited.then((code) => reject(new Error(`exited with ${code}: ${stderr}`)));
  });
  onTestFinished(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  return { child, exited, listening, output: () => ({ stdout, stderr }) };
}

describe('app and process', () => {
  it('creates a first admin with a random password on an empty user table, logged once, and never again', async () => {
    const db = freshDbFile();
    const config = loadConfig({ DATABASE_URL: db.url, UPTOP_HTTP_HOST: '127.0.0.1', UPTOP_HTTP_PORT: '0' });
    const first = capturingLogger();
    const app = await createApp(config, { logger: first.logger });
    const { port } = await app.start();
    const created = first.lines().find((l) => l.msg.startsWith('created the first admin'));
    expect(created).toMatchObject({ level: 40, username: 'admin' });
    const password = created!.password as string;
    expect(password.length).toBeGreaterThanOrEqual(16);
    const login = await post(
      `http://127.0.0.1:${port}/graphql`,
      `mutation { login(input: { username: "admin", password: "${password}" }) { ... on LoginPayload { user { role } } } }`,
    );
    expect(login.data.login.user.role).toBe('ADMIN');
    await app.stop();
    await app.stop();

    const second = capturingLogger();
    const again = await createApp(config, { logger: second.logger });
    await again.start();
    await again.stop();
    expect(second.lines().some((l) => l.msg.includes('first admin'))).toBe(false);
    expect(await (await db.open()).user.count()).toBe(1);

    // The variables name an admin on a database that has users: nothing is created, and the log says why.
    const third = capturingLogger();
    const named = await createApp({ ...config, admin: { username: 'root', password: 'a new password' } }, { logger: third.logger });
    await named.start();
    await named.stop();
    expect(third.lines().map((l) => l.msg)).toContain(
      'UPTOP_ADMIN_USER and UPTOP_ADMIN_PASSWORD only create the first admin of an empty database: ignored (to change a password, run uptop user passwd)',
    );
    expect(await (await db.open()).user.count()).toBe(1);
  });

  it('stop() still stops the engine and drains the writer when closing HTTP fails, then reports that failure', async () => {
    const db = freshDbFile();
    const config = loadConfig({
      DATABASE_URL: db.url,
      UPTOP_HTTP_HOST: '127.0.0.1',
      UPTOP_HTTP_PORT: '0',
      UPTOP_ADMIN_USER: 'a',
      UPTOP_ADMIN_PASSWORD: 'password1',
    });
    const app = await createApp(config, { logger: capturingLogger().logger });
    await app.start();
    const close = app.http.close.bind(app.http);
    app.http.close = async () => {
      await close();
      throw new Error('http close failed');
    };
    app.deps.writer.enqueue({ kind: 'log', message: 'buffered at shutdown', siteId: null, createdAt: new Date() });
    await expect(app.stop()).rejects.toThrow('http close failed');
    expect(app.deps.engine.running).toBe(false);
    expect(await (await db.open()).log.count({ where: { message: 'buffered at shutdown' } })).toBe(1);
  });

  it('serves HTTPS with UPTOP_TLS_CERT and UPTOP_TLS_KEY', async () => {
    const { port, ca } = await startTlsApp({ UPTOP_ADMIN_USER: 'admin', UPTOP_ADMIN_PASSWORD: 'admin-password' });
    const body = await new Promise<string>((resolve, reject) => {
      const req = https.request({ host: '127.0.0.1', port, path: '/graphql', method: 'POST', ca, headers: { 'content-type': 'application/json' } }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve(text));
      });
      req.on('error', reject);
      req.end(JSON.stringify({ query: '{ me { username } }' }));
    });
    expect(JSON.parse(body)).toEqual({ data: { me: null } });
  });

  it('`npm start` on a fresh checkout creates ./data/uptop.db, serves, and stops cleanly on SIGTERM', async () => {
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'uptop-start-'));
    onTestFinished(() => fs.rmSync(cwd, { recursive: true, force: true }));
    const main = startMain(cwd, { UPTOP_HTTP_HOST: '127.0.0.1', UPTOP_HTTP_PORT: '0', UPTOP_ADMIN_USER: 'root', UPTOP_ADMIN_PASSWORD: 'root-password' });
    const port = await main.listening;
    expect(fs.existsSync(path.join(cwd, 'data', 'uptop.db'))).toBe(true);
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(200);
    const login = await post(`http://127.0.0.1:${port}/graphql`, 'mutation { login(input: { username: "root", password: "root-password" }) { __typename } }');
    expect(login.data.login.__typename).toBe('LoginPayload');
    main.child.kill('SIGTERM');
    expect(await main.exited).toBe(0);
    expect(main.output().stdout).toMatch(/"msg":"stopping"/);
  });

  it('a bad configuration prints the ConfigError and exits 1', async () => {
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'uptop-badconf-'));
    onTestFinished(() => fs.rmSync(cwd, { recursive: true, force: true }));
    const main = startMain(cwd, { UPTOP_HTTP_PORT: 'eighty' });
    main.listening.catch(() => undefined);
    expect(await main.exited).toBe(1);
    const { stderr } = main.output();
    expect(stderr).toMatch(/Invalid configuration/);
    expect(stderr).toMatch(/UPTOP_HTTP_PORT/);
    expect(stderr).not.toMatch(/at .*\.ts:\d+/);
    expect(fs.existsSync(path.join(cwd, 'data'))).toBe(false);
  });
});
