import type { LookupAddress } from 'node:dns';
import net from 'node:net';
import { Deadline } from './deadline.ts';
import { downResult, errorText, upResult } from './result.ts';
import { pinnedLookup, resolutionFailure, resolveGuarded } from './ssrf.ts';
import { targetHost, timeoutSeconds } from './target.ts';
import type { CheckOptions, CheckResult, CheckTarget } from './types.ts';

/**
 * TCP connect to host:port within the timeout; UP once the handshake completes. Latency is lookup + connect, as Go's
 * dial by name times it and as an HTTP check's counts its lookup.
 */
export async function checkPort(target: CheckTarget, options: CheckOptions): Promise<CheckResult> {
  const host = targetHost(target);
  if (!host) return downResult('no hostname to connect to');
  const port = target.port;
  if (port === null || !Number.isInteger(port) || port < 1 || port > 65535) return downResult(`invalid port: ${port ?? '(none)'}`);

  const deadline = new Deadline(timeoutSeconds(target), options.signal);
  const started = performance.now();
  try {
    const resolution = await resolveGuarded(host, options.allowPrivateTargets, deadline.lookupOptions(options));
    if (!resolution.ok) return downResult(resolutionFailure(resolution), { latencyMs: performance.now() - started });
    await connect(host, port, resolution.addresses, deadline.signal);
    return upResult({ latencyMs: performance.now() - started });
  } catch (err) {
    return downResult(deadline.aborted ? deadline.reason() : errorText(err), { latencyMs: performance.now() - started });
  } finally {
    deadline.dispose();
  }
}

function connect(host: string, port: number, addresses: LookupAddress[], signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    // The pinned lookup hands net exactly the checked addresses; it tries each in turn (happy eyeballs).
    const socket = net.connect({ host, port, lookup: pinnedLookup(addresses), autoSelectFamily: true, signal });
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('error', reject);
  });
}
