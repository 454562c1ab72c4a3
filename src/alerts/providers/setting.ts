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
