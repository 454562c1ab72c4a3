import { z } from 'zod';
import type { AlertSettings } from '../types.ts';

/** Settings are validated when saved, but imported or older rows may still lack a key. */
export function requireSetting(settings: AlertSettings, key: string): string {
  const value = settings[key];
  if (!value) throw new Error(`setting "${key}" is missing`);
  return value;
}

export function settingOr(settings: AlertSettings, key: string, fallback: string): string {
  return settings[key] || fallback;
}

/** Base URLs are stored as typed; a trailing slash would double the one we append. */
export function trimTrailingSlashes(url: string): string {
  return url.replace(/\/+$/, '');
}

// Building blocks of the providers' settings schemas. Each key is one string (as in Go); `required` and `optional`
// wrap a string schema so numbers and booleans are accepted as text and a blank value counts as absent.

/** A provider's settings: a strict object of text values, absent ones `undefined`; its shape names every key. */
export type SettingsSchema = z.ZodObject<Record<string, z.ZodType<string | undefined, unknown>>, z.core.$strict>;

/** Settings are stored as strings (as in Go); JSON numbers and booleans are accepted and written as text. Blank means absent. */
function asSettingText(value: unknown): unknown {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string' && value.trim() === '') return undefined;
  return value;
}

export const text = z.string({ error: (issue) => (issue.input === undefined ? 'is required' : 'expected a string') });

export const httpUrl = text.trim().refine((value) => {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}, 'must be an absolute http(s) URL');

export const wholeNumber = (min: number, max: number) =>
  text.trim().refine((v) => /^\d+$/.test(v) && Number(v) >= min && Number(v) <= max, `must be a whole number from ${min} to ${max}`);

export const oneOf = (values: readonly string[]) => text.trim().refine((v) => values.includes(v), `must be one of ${values.join(', ')}`);

export const required = (schema: z.ZodType<string, string>) => z.preprocess(asSettingText, schema);
export const optional = (schema: z.ZodType<string, string>) => z.preprocess(asSettingText, schema.optional());
