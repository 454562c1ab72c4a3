import http from 'node:http';
import { errorText } from './result.ts';

export type HeadersParse = { ok: true; headers: Record<string, string> } | { ok: false; message: string };

/**
 * Parses a site's `httpHeaders`: a JSON object of header names to string (or number/boolean) values; blank means none.
 * Names and values are checked the way node:http will check them, so a bad header fails here with a clear message
 * instead of throwing inside the request.
 */
export function parseHttpHeaders(text: string | null | undefined): HeadersParse {
  if (!text?.trim()) return { ok: true, headers: {} };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, message: `httpHeaders is not valid JSON: ${errorText(err)}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, message: 'httpHeaders must be a JSON object such as {"X-Token": "abc"}' };
  }
  const headers: Record<string, string> = {};
  for (const [name, raw] of Object.entries(value)) {
    if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') {
      return { ok: false, message: `httpHeaders: the value of "${name}" must be a string` };
    }
    const headerValue = String(raw);
    try {
      http.validateHeaderName(name);
      http.validateHeaderValue(name, headerValue);
    } catch {
      return { ok: false, message: `httpHeaders: "${name}" is not a valid header name or has an invalid value` };
    }
    headers[name.toLowerCase()] = headerValue;
  }
  return { ok: true, headers };
}
