import fs from 'node:fs/promises';
import type https from 'node:https';
import tls from 'node:tls';
import { createLogger } from '../../log.ts';
import { errorText } from './result.ts';
import { type CaStoreSources, LINUX_CA_DIRECTORIES, LINUX_CA_FILES, readSystemCas, searchedPaths, uniqueCertificates } from './system-cas.ts';

/**
 * An https request's options with the `secureContext` it hands on to tls.connect, which @types/node leaves out of
 * `https.RequestOptions` (its `ca` would build a context, a few hundred certificates parsed, per connection).
 */
export type TrustedRequestOptions = https.RequestOptions & Pick<tls.ConnectionOptions, 'secureContext'>;

export type TrustWarning = (fields: Record<string, unknown>, message: string) => void;

/**
 * The certificate authorities outgoing HTTPS verifies against: Node's bundled roots and the system's store, so a
 * service signed by a company CA installed with update-ca-certificates verifies, as in the Go original. Built at the
 * first request that needs it and kept for the process's life (Go loads its roots once too): parsing a few hundred
 * certificates per connection would cost more than the request.
 */
export class TrustStore {
  private context: Promise<tls.SecureContext> | undefined;

  constructor(
    private readonly sources: CaStoreSources,
    private readonly warn: TrustWarning,
  ) {}

  /** The TLS context to verify with, as an https request's `secureContext`. */
  secureContext(): Promise<tls.SecureContext> {
    this.context ??= this.build();
    return this.context;
  }

  private async build(): Promise<tls.SecureContext> {
    const system = await readSystemCas(this.sources);
    if (system.certificates.length === 0) {
      this.warn(
        { ...searchedPaths(this.sources), ...(system.error === undefined ? {} : { error: errorText(system.error) }) },
        "no CA certificate found in the system's store: HTTPS checks and alerts trust Node's bundled roots only",
      );
    }
    // A `ca` replaces Node's default store, which is also where NODE_EXTRA_CA_CERTS went: it is added back here.
    const extraFile = this.sources.env.NODE_EXTRA_CA_CERTS;
    const extra = extraFile ? await fs.readFile(extraFile, 'utf8').catch(() => '') : '';
    return tls.createSecureContext({ ca: uniqueCertificates([...tls.rootCertificates, extra, ...system.certificates]) });
  }
}

/** The process's store: Go's paths on Linux, or those SSL_CERT_FILE and SSL_CERT_DIR name. */
export const systemTrust = new TrustStore({ files: LINUX_CA_FILES, directories: LINUX_CA_DIRECTORIES, env: process.env }, (fields, message) =>
  createLogger().warn(fields, message),
);
