import type { AlertProvider } from '../generated/prisma/client.ts';
import type { AlertSettings } from './types.ts';

export const REDACTED = '***REDACTED***';

/** Settings keys that are safe to show; every other value is treated as a secret (an allow-list, as in Go). */
const VISIBLE_KEYS: Record<AlertProvider, readonly string[]> = {
  DISCORD: [],
  SLACK: [],
  WEBHOOK: [],
  EMAIL: ['host', 'port', 'to', 'from', 'tls_insecure'],
  NTFY: ['topic', 'priority'],
  TELEGRAM: ['chat_id'],
  PAGERDUTY: ['severity'],
  PUSHOVER: [],
  GOTIFY: ['priority'],
  OPSGENIE: ['priority', 'eu'],
  TEAMS: [],
  MATRIX: ['homeserver', 'room_id'],
};

function isVisible(provider: string, key: string): boolean {
  return Object.hasOwn(VISIBLE_KEYS, provider) && VISIBLE_KEYS[provider as AlertProvider].includes(key);
}

/** A copy fit for display or export: secret values become `***REDACTED***`, empty ones stay empty. */
export function redactSettings(provider: AlertProvider | string, settings: AlertSettings): AlertSettings {
  return Object.fromEntries(
    Object.entries(settings).map(([key, value]) => [key, value === '' || isVisible(provider, key) ? value : REDACTED]),
  );
}

/** The non-empty secret values of a channel, longest first so a secret containing another is removed whole. */
export function secretValues(provider: AlertProvider | string, settings: AlertSettings): string[] {
  return Object.entries(settings)
    .filter(([key, value]) => value !== '' && !isVisible(provider, key))
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
