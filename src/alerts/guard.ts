import type { LookupAddress } from 'node:dns';
import { resolveGuarded } from '../engine/checks/ssrf.ts';
import { stripBrackets } from '../engine/checks/target.ts';

/**
 * Resolves the host of a user-supplied alert target once, through the checks' SSRF guard and their
 * `UPTOP_ALLOW_PRIVATE_TARGETS` switch. The caller connects only to the returned addresses (a pinned lookup), so a
 * second DNS answer can never be used. A refusal names the host alone: nothing was connected, so it cannot tell an
 * open port from a closed one, and the private address a name resolves to is not disclosed either.
 * Resolution is cancelled when `signal` fires; the caller reports the abort.
 */
export async function resolveAlertTarget(host: string, allowPrivate: boolean, signal: AbortSignal): Promise<LookupAddress[]> {
  const name = stripBrackets(host);
  const resolution = await resolveGuarded(name, allowPrivate, { signal });
  if (resolution.ok) return resolution.addresses;
  throw new Error(resolution.reason === 'private' ? `blocked: ${name} resolves to a private address` : resolution.message);
}
