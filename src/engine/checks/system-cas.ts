import { X509Certificate } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

/**
 * Where the Go original's crypto/x509 finds the system's roots on Linux (root_linux.go): the first of these bundles
 * that can be read, in this order...
 */
export const LINUX_CA_FILES: readonly string[] = [
  '/etc/ssl/certs/ca-certificates.crt', // Debian, Ubuntu, Gentoo
  '/etc/pki/tls/certs/ca-bundle.crt', // Fedora, RHEL 6
  '/etc/ssl/ca-bundle.pem', // openSUSE
  '/etc/pki/tls/cacert.pem', // OpenELEC
  '/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem', // CentOS, RHEL 7
  '/etc/ssl/cert.pem', // Alpine
];

/** ...and then every file of these directories (Go's Android ones left out: uptop does not run there). */
export const LINUX_CA_DIRECTORIES: readonly string[] = ['/etc/ssl/certs', '/etc/pki/tls/certs'];

export interface CaStoreSources {
  files: readonly string[];
  directories: readonly string[];
  /** `SSL_CERT_FILE` (one file) and `SSL_CERT_DIR` (directories, colon-separated) replace the defaults when set. */
  env: Readonly<Record<string, string | undefined>>;
}

export interface SystemCas {
  /** Each certificate found, once, as PEM. */
  certificates: string[];
  /** The first failure to read something that exists (a missing path is no failure), for the warning about an empty store. */
  error?: unknown;
}

/** Where the store is looked for: the variables, when set, instead of the defaults (root_unix.go). */
export function searchedPaths({ files, directories, env }: CaStoreSources): { files: readonly string[]; directories: readonly string[] } {
  return {
    files: env.SSL_CERT_FILE ? [env.SSL_CERT_FILE] : files,
    // OpenSSL's separator, which Go follows too
    directories: env.SSL_CERT_DIR ? env.SSL_CERT_DIR.split(':') : directories,
  };
}

/** Reads the system's CA store as Go's loadSystemRoots (root_unix.go) does. Never rejects: what cannot be read is skipped. */
export async function readSystemCas(sources: CaStoreSources): Promise<SystemCas> {
  const { files, directories } = searchedPaths(sources);
  const texts: string[] = [];
  let error: unknown;
  const note = (err: unknown) => {
    if (error === undefined && (err as { code?: unknown }).code !== 'ENOENT') error = err;
  };

  for (const file of files) {
    try {
      texts.push(await fs.readFile(file, 'utf8'));
      break;
    } catch (err) {
      note(err);
    }
  }

  for (const directory of directories) {
    let names: string[];
    try {
      names = await fs.readdir(directory);
    } catch (err) {
      note(err);
      continue;
    }
    // OpenSSL's hash links and the bundle beside the certificates repeat some: uniqueCertificates keeps each once.
    texts.push(...(await Promise.all(names.map((name) => fs.readFile(path.join(directory, name), 'utf8').catch(() => '')))));
  }

  return { certificates: uniqueCertificates(texts), error };
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g;

/**
 * Every certificate in these PEM texts, once, skipping blocks that do not parse (as Go's AppendCertsFromPEM does): one
 * broken file in a directory must not cost the others, and an unparsable `ca` would fail every TLS connection.
 */
export function uniqueCertificates(texts: readonly string[]): string[] {
  const byBody = new Map<string, string>();
  for (const text of texts) {
    for (const [block] of text.matchAll(PEM_CERTIFICATE)) {
      const body = block.replace(/-----[A-Z ]+-----|\s/g, '');
      if (byBody.has(body)) continue;
      try {
        byBody.set(body, new X509Certificate(block).toString());
      } catch {
        // not a certificate after all
      }
    }
  }
  return [...byBody.values()];
}
