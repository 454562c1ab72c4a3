import type http from 'node:http';
import type { AddressInfo } from 'node:net';

/** Listens on an ephemeral loopback port; resolves with it. */
export async function listen(server: http.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** POSTs an operation; its data, or a thrown error naming the operation and its errors. */
export async function gql<T>(url: string, query: string, variables: unknown, token?: string): Promise<T> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: unknown };
  if (!body.data || body.errors) throw new Error(`${query.slice(0, 40)}...: ${JSON.stringify(body.errors ?? body)}`);
  return body.data;
}
