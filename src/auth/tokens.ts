import { createHash, randomBytes } from 'node:crypto';

/** Session tokens come from `login`, API tokens from `createApiToken`; the prefix says which table to look in. */
export type TokenKind = 'session' | 'api';

const PREFIX: Record<TokenKind, string> = { session: 'uts_', api: 'uta_' };
const TOKEN_BYTES = 32;

/** A fresh bearer token (32 random bytes) and the SHA-256 that is stored instead of it. */
export function newToken(kind: TokenKind): { token: string; hash: string } {
  const token = PREFIX[kind] + randomBytes(TOKEN_BYTES).toString('base64url');
  return { token, hash: hashToken(token) };
}

/**
 * Probe tokens (ApiToken rows of scope PROBE) have a prefix of their own that `tokenKind` does not know, so one can
 * never stand for its owner on the API: it opens only the probe endpoints (src/probes/auth.ts).
 */
const PROBE_PREFIX = 'utp_';

export function newProbeToken(): { token: string; hash: string } {
  const token = PROBE_PREFIX + randomBytes(TOKEN_BYTES).toString('base64url');
  return { token, hash: hashToken(token) };
}

export function isProbeToken(token: string): boolean {
  return token.startsWith(PROBE_PREFIX);
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function tokenKind(token: string): TokenKind | null {
  if (token.startsWith(PREFIX.session)) return 'session';
  if (token.startsWith(PREFIX.api)) return 'api';
  return null;
}

/** The token of an `Authorization: Bearer <token>` value; null when absent or another scheme. */
export function bearerToken(authorization: string | null | undefined): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  return match ? match[1]! : null;
}
