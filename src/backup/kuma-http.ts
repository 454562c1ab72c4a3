import { MAX_REDIRECTS } from '../engine/checks/redirect.ts';

/*
 * The request a Kuma HTTP monitor sends (server/model/monitor.js, the same from 1.17 to 2.5 but for the additions
 * noted), as uptop's headers, body, authentication and redirects.
 */

/** The Kuma monitor fields the request is made of. */
export interface KumaHttpFields {
  headers?: string | null;
  body?: string | null;
  httpBodyEncoding?: string | null;
  /** Absent before 1.17; null is Kuma's "None". */
  authMethod?: string | null;
  basic_auth_user?: string | null;
  basic_auth_pass?: string | null;
  /** 2.4 and later. */
  bearer_token?: string | null;
  /** 0: the redirect itself is judged. */
  maxredirects?: number | null;
}

export interface KumaRequest {
  headers: Record<string, string> | null;
  body: string | null;
  authType: 'none' | 'basic' | 'bearer';
  authUsername: string;
  authSecret: string;
  maxRedirects: number;
  /** One line per thing uptop sends differently, saying how. */
  notes: string[];
}

/** The Content-Type Kuma sends with each body encoding, unless the headers set one; no encoding is JSON. */
const BODY_TYPES: Record<string, string> = {
  json: 'application/json',
  // 2.0 and later.
  form: 'application/x-www-form-urlencoded',
  xml: 'text/xml; charset=utf-8',
};

function parseHeaders(text: string | null | undefined): { headers: Record<string, string> | null } | { skip: string } {
  if (!text?.trim()) return { headers: null };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { skip: 'its headers are not valid JSON' };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { skip: 'its headers are not a JSON object' };
  // A header value is text: an object has none to send ("[object Object]" is no one's value). A list is one field
  // line per value for Kuma's client, which HTTP reads as their comma-joined text (RFC 9110 §5.3), as String() gives.
  const nested = Object.entries(parsed).find(([, value]) => typeof value === 'object' && value !== null && !Array.isArray(value));
  if (nested) return { skip: `its header "${nested[0]}" has a JSON object as its value, which no header can carry` };
  return { headers: Object.fromEntries(Object.entries(parsed).map(([name, value]) => [name, String(value)])) };
}

/**
 * The body Kuma sends and its Content-Type: none when blank or in an encoding Kuma does not know; a JSON body that
 * does not parse stops every check.
 */
function body(m: KumaHttpFields): { body: string | null; contentType: string | null } | { skip: string } {
  const encoding = m.httpBodyEncoding || 'json';
  const contentType = Object.hasOwn(BODY_TYPES, encoding) ? BODY_TYPES[encoding]! : null;
  if (!m.body?.trim() || !contentType) return { body: null, contentType: null };
  if (encoding === 'json') {
    try {
      JSON.parse(m.body);
    } catch {
      return { skip: 'its body is not valid JSON, so Kuma sent no request and marked every check DOWN' };
    }
  }
  return { body: m.body, contentType };
}

function auth(m: KumaHttpFields): Pick<KumaRequest, 'authType' | 'authUsername' | 'authSecret'> | { skip: string } {
  // Before 1.17 a username meant basic auth. Since, only the method does: "None" leaves the old credentials unused.
  const method = m.authMethod === undefined ? (m.basic_auth_user ? 'basic' : null) : m.authMethod;
  if (!method) return { authType: 'none', authUsername: '', authSecret: '' };
  if (method === 'basic') return { authType: 'basic', authUsername: m.basic_auth_user ?? '', authSecret: m.basic_auth_pass ?? '' };
  if (method === 'bearer') return { authType: 'bearer', authUsername: '', authSecret: m.bearer_token ?? '' };
  return { skip: `authentication method "${method}" is not supported by uptop` };
}

/** What uptop sends for a Kuma HTTP monitor, or why it cannot send what Kuma sent. */
export function kumaRequest(m: KumaHttpFields): KumaRequest | { skip: string } {
  const parsed = parseHeaders(m.headers);
  if ('skip' in parsed) return parsed;
  const sent = body(m);
  if ('skip' in sent) return sent;
  const credentials = auth(m);
  if ('skip' in credentials) return credentials;
  let { headers } = parsed;
  if (sent.contentType && !Object.keys(headers ?? {}).some((name) => name.toLowerCase() === 'content-type')) {
    headers = { ...headers, 'Content-Type': sent.contentType };
  }
  const kumaRedirects = Math.max(0, Math.round(m.maxredirects ?? MAX_REDIRECTS));
  const maxRedirects = Math.min(kumaRedirects, MAX_REDIRECTS);
  const notes = kumaRedirects > MAX_REDIRECTS ? [`follows at most ${MAX_REDIRECTS} redirects (${kumaRedirects} in Kuma)`] : [];
  return { headers, body: sent.body, ...credentials, maxRedirects, notes };
}
