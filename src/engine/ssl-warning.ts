import type { LiveSiteState } from './types.ts';

const DAY_MS = 86_400_000;

/** Whole days until a certificate expires, as its warning counts them. */
export function certDaysLeft(expiresAt: Date, now: Date): number {
  return Math.floor((expiresAt.getTime() - now.getTime()) / DAY_MS);
}

/**
 * Checks in a row that must find a certificate expiring later than the warned one before that one counts as replaced.
 * A load balancer in a rolling renewal serves the old certificate and the new one in turn; one check on the old
 * certificate starts the count again, so the renewal is told once the old certificate is gone, not at every other check.
 */
export const RENEWAL_CHECKS = 3;

/** What a site's state remembers of its SSL warning, down to the key of its incident (see incident-keys.ts). */
export type SslMemory = Pick<LiveSiteState, 'sentSslWarning' | 'sslWarnedExpiry' | 'sslRenewalChecks' | 'legacySslKey'>;

/**
 * What the certificate a check saw means for the warning: warn about it (`expiring`), the warned certificate was
 * replaced by one itself within the threshold (`replaced`, a warning about the new one), or by one beyond it
 * (`renewed`, which closes the warning). `days` are the whole days the served certificate has left.
 */
export type SslVerdict = { kind: 'expiring' | 'replaced' | 'renewed'; days: number } | null;

/**
 * The rule. A warning is about one certificate, known by its expiry (`sslWarnedExpiry`), and a certificate is warned
 * about once: a certificate within the threshold is warned about when no warning is open and it expires later than
 * every certificate warned about before (an old one a straggling backend still serves was told already). An open
 * warning ends when RENEWAL_CHECKS checks in a row found a certificate expiring later than the warned one: with a
 * renewal when that certificate is beyond the threshold, with a warning about it when it is not (short-lived
 * certificates, whose whole life fits in the threshold: each renewal is told, and the warning stays open, as its
 * certificate expires within the threshold too). A warning open from before the expiry was remembered ends, as it did
 * then, on a certificate beyond the threshold. An expired certificate is no warning: the check is SSL_EXPIRED.
 *
 * Returns the renewal count to keep and the verdict; the caller applies the verdict's memory once its alert is sent
 * (see `afterSent`), so an alert held back by a silence is still due at the first check after it.
 */
export function judgeCertificate(
  memory: SslMemory,
  expiresAt: Date,
  expired: boolean,
  thresholdDays: number,
  now: Date,
): { renewalChecks: number; verdict: SslVerdict } {
  const days = certDaysLeft(expiresAt, now);
  const within = days <= thresholdDays && !expired;
  const warned = memory.sslWarnedExpiry;
  if (!memory.sentSslWarning) {
    const unwarned = warned === null || expiresAt.getTime() > warned.getTime();
    return { renewalChecks: 0, verdict: within && unwarned ? { kind: 'expiring', days } : null };
  }
  const later = warned ? expiresAt.getTime() > warned.getTime() : days > thresholdDays;
  const renewalChecks = later ? memory.sslRenewalChecks + 1 : 0;
  if (renewalChecks < RENEWAL_CHECKS) return { renewalChecks, verdict: null };
  if (days > thresholdDays) return { renewalChecks, verdict: { kind: 'renewed', days } };
  return { renewalChecks, verdict: within ? { kind: 'replaced', days } : null };
}

/**
 * The memory once the verdict's alert about the certificate expiring at `expiresAt` was sent. A warning about a new
 * certificate while one is open (`replaced`) stays the same incident, under the same key; a renewal closes it.
 */
export function afterSent(memory: SslMemory, verdict: NonNullable<SslVerdict>, expiresAt: Date): SslMemory {
  // A renewal keeps the warned certificate's expiry: a backend the rollout missed may still serve it.
  if (verdict.kind === 'renewed') return { sentSslWarning: false, sslWarnedExpiry: memory.sslWarnedExpiry, sslRenewalChecks: 0, legacySslKey: false };
  return { sentSslWarning: true, sslWarnedExpiry: expiresAt, sslRenewalChecks: 0, legacySslKey: memory.sentSslWarning && memory.legacySslKey };
}

/** A site that no longer watches the certificate it warned about forgets it: another certificate starts afresh. */
export const FORGOTTEN: SslMemory = Object.freeze({ sentSslWarning: false, sslWarnedExpiry: null, sslRenewalChecks: 0, legacySslKey: false });
