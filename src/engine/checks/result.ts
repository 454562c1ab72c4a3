import type { CheckResult } from './types.ts';

export const MAX_MESSAGE_LENGTH = 256;

/** Caps a reason at 256 chars, ending in "..." when cut (the UI and the DB rely on the bound). */
export function truncateMessage(message: string): string {
  if (message.length <= MAX_MESSAGE_LENGTH) return message;
  return `${message.slice(0, MAX_MESSAGE_LENGTH - 3)}...`;
}

type ResultFields = Partial<Omit<CheckResult, 'status' | 'message'>>;

export function upResult(fields: ResultFields = {}): CheckResult {
  return {
    status: 'UP',
    statusCode: fields.statusCode ?? null,
    latencyMs: fields.latencyMs ?? null,
    hasSsl: fields.hasSsl ?? false,
    certExpiresAt: fields.certExpiresAt ?? null,
    message: '',
  };
}

export function downResult(message: string, fields: ResultFields = {}): CheckResult {
  return { ...upResult(fields), status: 'DOWN', message: truncateMessage(message) };
}

/** The text of anything thrown, for a DOWN reason. */
export function errorText(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}
