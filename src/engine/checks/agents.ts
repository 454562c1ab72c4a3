import http from 'node:http';
import https from 'node:https';
import { guardedLookup } from './ssrf.ts';

/**
 * Keep-alive agents shared by all HTTP checks, like node's global agent: a check reuses the connection the last
 * check of the same host left open. There is one agent per (protocol, verify TLS, private-targets policy), because
 * a pooled socket is reused without a new lookup: a socket opened under one policy must never serve the other.
 */
const agents = new Map<string, http.Agent>();

export function agentFor(protocol: 'http:' | 'https:', verifyTls: boolean, allowPrivate: boolean): http.Agent {
  const key = `${protocol}|${verifyTls}|${allowPrivate}`;
  let agent = agents.get(key);
  if (!agent) {
    const options = { keepAlive: true, lookup: guardedLookup(allowPrivate) };
    // No TLS session resumption: a resumed session skips certificate verification and exposes no peer
    // certificate, and each new connection must show the certificate the server presents now.
    agent =
      protocol === 'https:'
        ? new https.Agent({ ...options, rejectUnauthorized: verifyTls, maxCachedSessions: 0 })
        : new http.Agent(options);
    agents.set(key, agent);
  }
  return agent;
}

/** Closes every pooled connection (engine stop, test teardown); later checks open new ones. */
export function destroyHttpAgents(): void {
  for (const agent of agents.values()) agent.destroy();
  agents.clear();
}
