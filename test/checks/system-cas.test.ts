import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { type CaStoreSources, readSystemCas, uniqueCertificates } from '../../src/engine/checks/system-cas.ts';
import { createAuthority, type TestAuthority } from '../helpers/targets.ts';

/** A directory of the test's own, removed when it ends. */
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uptop-ca-'));
  onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function write(file: string, ...cas: TestAuthority[]): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, cas.map((ca) => ca.cert).join('\n'));
  return file;
}

const names = (pems: readonly string[]) => pems.map((pem) => new X509Certificate(pem).subject.replace(/^CN=/, '')).sort();

const sources = (fields: Partial<CaStoreSources>): CaStoreSources => ({ files: [], directories: [], env: {}, ...fields });

describe('readSystemCas: the system store, read as Go reads it on Linux', () => {
  const ca: Record<'a' | 'b' | 'c' | 'd' | 'e', TestAuthority> = {} as never;

  beforeAll(async () => {
    for (const name of ['a', 'b', 'c', 'd', 'e'] as const) ca[name] = await createAuthority(name);
  });

  it('reads the first bundle that exists, and no other', async () => {
    const dir = tempDir();
    const files = [path.join(dir, 'missing.crt'), write(path.join(dir, 'first.crt'), ca.a, ca.b), write(path.join(dir, 'second.crt'), ca.c)];
    const store = await readSystemCas(sources({ files }));
    expect(names(store.certificates)).toEqual(['a', 'b']);
    expect(store.error).toBeUndefined();
  });

  it('goes on past a bundle that cannot be read, keeping its error', async () => {
    const dir = tempDir();
    const unreadable = path.join(dir, 'a-directory.crt');
    fs.mkdirSync(unreadable);
    const store = await readSystemCas(sources({ files: [unreadable, write(path.join(dir, 'next.crt'), ca.c)] }));
    expect(names(store.certificates)).toEqual(['c']);
    expect(store.error).toMatchObject({ code: 'EISDIR' });
  });

  it('reads every file of every directory, each certificate once, skipping what is not one', async () => {
    const dir = tempDir();
    const certs = path.join(dir, 'certs');
    write(path.join(certs, 'b.pem'), ca.b);
    fs.symlinkSync('b.pem', path.join(certs, '8a7f3c21.0')); // OpenSSL's hash link
    write(path.join(certs, 'ca-certificates.crt'), ca.b, ca.c);
    fs.writeFileSync(path.join(certs, 'README'), 'not a certificate\n');
    fs.writeFileSync(path.join(certs, 'broken.pem'), '-----BEGIN CERTIFICATE-----\nbm90IERFUg==\n-----END CERTIFICATE-----\n');
    fs.mkdirSync(path.join(certs, 'java'));
    write(path.join(dir, 'pki', 'd.pem'), ca.d);
    const store = await readSystemCas(sources({ directories: [path.join(dir, 'missing'), certs, path.join(dir, 'pki')] }));
    expect(names(store.certificates)).toEqual(['b', 'c', 'd']);
    expect(store.error).toBeUndefined();
  });

  it('reads the bundle and the directories both', async () => {
    const dir = tempDir();
    const store = await readSystemCas(
      sources({ files: [write(path.join(dir, 'bundle.crt'), ca.a)], directories: [path.dirname(write(path.join(dir, 'certs', 'b.pem'), ca.b))] }),
    );
    expect(names(store.certificates)).toEqual(['a', 'b']);
  });

  it('takes SSL_CERT_FILE instead of the bundles and SSL_CERT_DIR, colon-separated, instead of the directories', async () => {
    const dir = tempDir();
    const defaults = { files: [write(path.join(dir, 'default.crt'), ca.a)], directories: [path.dirname(write(path.join(dir, 'default', 'b.pem'), ca.b))] };
    const env = {
      SSL_CERT_FILE: write(path.join(dir, 'env.crt'), ca.c),
      SSL_CERT_DIR: `${path.dirname(write(path.join(dir, 'one', 'd.pem'), ca.d))}:${path.dirname(write(path.join(dir, 'two', 'e.pem'), ca.e))}`,
    };
    expect(names((await readSystemCas(sources({ ...defaults, env }))).certificates)).toEqual(['c', 'd', 'e']);
    expect(names((await readSystemCas(sources({ ...defaults, env: { SSL_CERT_FILE: '', SSL_CERT_DIR: '' } }))).certificates)).toEqual(['a', 'b']);
  });

  it('is empty, with no error, when nothing exists', async () => {
    const dir = tempDir();
    expect(await readSystemCas(sources({ files: [path.join(dir, 'a.crt')], directories: [path.join(dir, 'certs')] }))).toEqual({
      certificates: [],
      error: undefined,
    });
  });
});

describe('uniqueCertificates', () => {
  it("keeps every one of Node's bundled roots, once however a copy is laid out", () => {
    expect(uniqueCertificates(tls.rootCertificates)).toHaveLength(tls.rootCertificates.length);
    const windowsBundle = tls.rootCertificates.map((pem) => pem.replaceAll('\n', '\r\n')).join('\r\n');
    expect(uniqueCertificates([...tls.rootCertificates, windowsBundle])).toHaveLength(tls.rootCertificates.length);
  });
});
