import type { z } from 'zod';
import type { AlertProvider } from '../generated/prisma/client.ts';
import { findProviderDefinition } from './providers/registry.ts';
import type { AlertSettings } from './types.ts';

export interface SettingsIssue {
  /** `settings.<key>`, or `settings` for the whole object. */
  field: string;
  message: string;
}

export type SettingsValidation = { ok: true; settings: AlertSettings } | { ok: false; issues: SettingsIssue[] };

/**
 * Checks a channel's settings against its provider's schema when it is created or updated. Returns the normalized
 * settings (trimmed text, numbers and booleans as strings, blank keys dropped) or one issue per bad key.
 */
export function validateAlertSettings(provider: AlertProvider, input: unknown): SettingsValidation {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, issues: [{ field: 'settings', message: 'must be an object of provider settings' }] };
  }
  const definition = findProviderDefinition(provider);
  if (!definition) throw new Error(`unknown alert provider "${provider}"`);
  const parsed = definition.settings.safeParse(input);
  if (!parsed.success) return { ok: false, issues: parsed.error.issues.flatMap((issue) => toIssues(provider, issue)) };
  const settings = Object.fromEntries(Object.entries(parsed.data).filter((entry): entry is [string, string] => entry[1] !== undefined));
  return { ok: true, settings };
}

function toIssues(provider: AlertProvider, issue: z.core.$ZodIssue): SettingsIssue[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({ field: `settings.${key}`, message: `is not a ${provider} setting` }));
  }
  const field = issue.path.length ? `settings.${issue.path.map(String).join('.')}` : 'settings';
  return [{ field, message: issue.message }];
}
