export const DEFAULT_ACCEPTED_CODES = '200-299';

export interface CodeRange {
  min: number;
  max: number;
}

export interface ParsedAcceptedCodes {
  ranges: CodeRange[];
  /** Parts that are neither a status code nor a `low-high` range, as written. */
  invalid: string[];
}

/**
 * A status code: three digits, from 100 (the least HTTP defines) to 999. Go's client and Node's parser read any such
 * code a server sends (a 999 from a bot shield, a 6xx of an API's own), and Uptime Kuma offers them all.
 */
const CODE = /^[1-9]\d\d$/;

/** Parses `200-299,301`: comma-separated codes and inclusive ranges; blank means the default 200-299. */
export function parseAcceptedCodes(spec: string | null | undefined): ParsedAcceptedCodes {
  const text = spec?.trim() || DEFAULT_ACCEPTED_CODES;
  const ranges: CodeRange[] = [];
  const invalid: string[] = [];
  for (const raw of text.split(',')) {
    const part = raw.trim();
    const bounds = part.split('-').map((b) => b.trim());
    const [low, high = low] = bounds;
    if (bounds.length > 2 || !low || !high || !CODE.test(low) || !CODE.test(high)) {
      invalid.push(part);
      continue;
    }
    const range = { min: Number(low), max: Number(high) };
    if (range.min > range.max) invalid.push(part);
    else ranges.push(range);
  }
  return { ranges, invalid };
}

/**
 * Whether a response status is accepted. Like the Go original, malformed parts are ignored at check time
 * (the API rejects them up front with `validateAcceptedCodes`).
 */
export function isCodeAccepted(code: number, spec: string | null | undefined): boolean {
  return parseAcceptedCodes(spec).ranges.some((r) => code >= r.min && code <= r.max);
}

/** Null when `spec` is usable, else a message naming the first bad part. */
export function validateAcceptedCodes(spec: string): string | null {
  const bad = parseAcceptedCodes(spec).invalid[0];
  if (bad === undefined) return null;
  const shown = bad === '' ? 'an empty entry' : `"${bad}"`;
  return `acceptedCodes: ${shown} is not an HTTP status code (100-999) or a range such as 200-299; use a comma-separated list like "200-299,301"`;
}
