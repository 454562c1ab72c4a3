import { maskUrlSecrets } from '../auth/mask-url.ts';
import type { AlertProvider } from '../generated/prisma/client.ts';
import { findProviderDefinition } from './providers/registry.ts';
import type { AlertSettings } from './types.ts';

export const REDACTED = '***REDACTED***';

/**
 * Only the keys the provider declares visible are shown; every other value is treated as a secret (as in Go). So is
 * a shown value with a credential in it as a URL (`https://user:pw@matrix.example`, which the alert sends as Basic
 * auth): it is redacted whole, not masked in part, so that settings read back can be sent back unchanged.
 */
function isVisible(provider: string, key: string, value: string): boolean {
  return (findProviderDefinition(provider)?.visibleKeys.includes(key) ?? false) && maskUrlSecrets(value) === value;
}

/** A copy fit for display or export: secret values become `***REDACTED***`, empty ones stay empty. */
export function redactSettings(provider: AlertProvider | string, settings: AlertSettings): AlertSettings {
  return Object.fromEntries(Object.entries(settings).map(([key, value]) => [key, value === '' || isVisible(provider, key, value) ? value : REDACTED]));
}

/** The non-empty secret values of a channel, longest first so a secret containing another is removed whole. */
export function secretValues(provider: AlertProvider | string, settings: AlertSettings): string[] {
  return Object.entries(settings)
    .filter(([key, value]) => value !== '' && !isVisible(provider, key, value))
    .map(([, value]) => value)
    .sort((a, b) => b.length - a.length);
}

/**
 * Values this short are left alone: they protect nothing, and cutting every "u" or "3" out of a
 * message would shred it.
 */
const MIN_SCRUBBED_LENGTH = 4;

/** Removes every occurrence of each secret from a text, such as an error message from a library. */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  return secrets.reduce((out, secret) => (secret.length >= MIN_SCRUBBED_LENGTH ? out.split(secret).join('***') : out), text);
}
