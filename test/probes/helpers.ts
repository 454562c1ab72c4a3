import type { TestApp } from '../helpers/app.ts';

const CREATE_PROBE_TOKEN = /* GraphQL */ `
  mutation CreateProbeToken($input: CreateProbeTokenInput!) {
    createProbeToken(input: $input) {
      __typename
      ... on ProbeTokenPayload { token apiToken { id scope } }
      ... on Error { message }
    }
  }
`;

/** A probe token made by the admin through GraphQL; `id` is its ApiToken's global id. */
export async function probeToken(t: TestApp, name = 'probe'): Promise<{ token: string; id: string }> {
  const res = await t.request<{ createProbeToken: { __typename: string; token?: string; apiToken?: { id: string; scope: string } } }>(
    CREATE_PROBE_TOKEN,
    { input: { name } },
    t.users.admin.token,
  );
  const payload = res.payload('createProbeToken', 'ProbeTokenPayload');
  return { token: payload.token!, id: payload.apiToken!.id };
}

export interface ProbeCall {
  status: number;
  headers: Headers;
  text: string;
  json(): any;
}

/**
 * A request to a probe endpoint, the way the Go original's probes send it: the token in `X-Uptop-Secret` (or another
 * header given), a JSON body.
 */
export async function probeCall(
  t: TestApp,
  path: string,
  options: { token?: string | null; header?: string; body?: unknown; rawBody?: string } = {},
): Promise<ProbeCall> {
  const { token = null, header = 'x-uptop-secret' } = options;
  const hasBody = options.body !== undefined || options.rawBody !== undefined;
  const res = await fetch(`${t.url}${path}`, {
    method: hasBody ? 'POST' : 'GET',
    headers: {
      ...(token !== null && { [header]: header === 'authorization' ? `Bearer ${token}` : token }),
      ...(hasBody && { 'content-type': 'application/json' }),
    },
    body: options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) };
}

export const PROBE_NODES = /* GraphQL */ `
  query ProbeNodes {
    probeNodes { nodeId name region version lastSeen status }
  }
`;

export const PROBE_RESULTS = /* GraphQL */ `
  query ProbeResults($id: ID!) {
    site(id: $id) {
      status
      lastError
      probeResults { nodeId region up status latencyMs statusCode checkedAt error node { nodeId name } }
      checks(first: 20) { edges { node { nodeId up status latencyMs message } } }
    }
  }
`;
