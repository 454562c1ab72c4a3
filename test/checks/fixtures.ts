import type { CheckOptions, CheckTarget } from '../../src/engine/checks/types.ts';

/** A site as the engine would hand it to a checker: the schema's defaults plus the given fields. */
export function site(fields: Partial<CheckTarget>): CheckTarget {
  return {
    id: 1,
    name: 'test site',
    type: 'HTTP',
    url: null,
    hostname: null,
    port: null,
    timeout: 5,
    method: 'GET',
    acceptedCodes: '200-299',
    checkSsl: false,
    ignoreTls: false,
    dnsResolveType: null,
    dnsServer: null,
    httpHeaders: null,
    httpBody: null,
    authType: 'NONE',
    authUsername: null,
    authSecret: null,
    keyword: null,
    keywordInvert: false,
    ...fields,
  };
}

/** Tests aim at 127.0.0.1, so they allow private targets explicitly (except the SSRF tests). */
export const allowPrivate: CheckOptions = { allowPrivateTargets: true, insecureSkipVerify: false };
export const blockPrivate: CheckOptions = { allowPrivateTargets: false, insecureSkipVerify: false };
