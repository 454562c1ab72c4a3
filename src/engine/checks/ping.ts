import { execFile } from 'node:child_process';
import { Deadline } from './deadline.ts';
import { downResult, errorText, upResult } from './result.ts';
import { resolutionFailure, resolveGuarded } from './ssrf.ts';
import { targetHost, timeoutSeconds } from './target.ts';
import type { CheckOptions, CheckResult, CheckTarget } from './types.ts';

/** iputils-ping exits 1 when no reply came back, 2 on other errors. */
const EXIT_NO_REPLY = 1;
/** Time the ping process gets beyond its own -W wait, to start and report, before it is killed. */
const PROCESS_GRACE_SECONDS = 2;

const RTT = /time[=<]([\d.]+) ?ms/;

/**
 * One ICMP echo through the system's `ping` (iputils-ping), which may open ICMP sockets where node cannot.
 * The address is resolved and checked here, within the timeout, and handed to ping numerically, so ping does no DNS
 * of its own.
 */
export async function checkPing(target: CheckTarget, options: CheckOptions): Promise<CheckResult> {
  const host = targetHost(target);
  if (!host) return downResult('no hostname to ping');
  const seconds = timeoutSeconds(target);
  const deadline = new Deadline(seconds + PROCESS_GRACE_SECONDS, options.signal);
  const started = performance.now();
  try {
    const resolution = await resolveGuarded(host, options.allowPrivateTargets, deadline.lookupOptions(options, seconds));
    // A failed check's latency is the time it spent, lookup included, as for the other checks.
    const spent = () => ({ latencyMs: performance.now() - started });
    if (!resolution.ok) return downResult(resolutionFailure(resolution), spent());
    // The lookup spent part of the timeout; ping's -W takes whole seconds on every iputils version.
    const waitSeconds = Math.max(1, Math.ceil(seconds - (performance.now() - started) / 1000));
    const outcome = await runPing(resolution.addresses[0]!.address, waitSeconds, deadline.signal);
    // An answered ping's latency is the echo's round trip, what ping measures (Go's AvgRtt), not the lookup before it.
    if (outcome.kind === 'reply') return upResult({ latencyMs: outcome.rttMs });
    if (outcome.kind === 'no-reply' || (deadline.aborted && !options.signal?.aborted)) return downResult('no ICMP response', spent());
    return downResult(`ping failed: ${deadline.aborted ? deadline.reason() : outcome.message}`, spent());
  } finally {
    deadline.dispose();
  }
}

type PingOutcome = { kind: 'reply'; rttMs: number } | { kind: 'no-reply' } | { kind: 'failed'; message: string };

function runPing(address: string, waitSeconds: number, signal: AbortSignal): Promise<PingOutcome> {
  const args = ['-n', '-c', '1', '-W', String(waitSeconds), address];
  return new Promise((resolve) => {
    execFile('ping', args, { signal, env: { ...process.env, LC_ALL: 'C' } }, (err, stdout, stderr) => {
      const rtt = RTT.exec(stdout);
      if (!err && rtt) return resolve({ kind: 'reply', rttMs: Number(rtt[1]) });
      if (!err || (err as { code?: unknown }).code === EXIT_NO_REPLY) return resolve({ kind: 'no-reply' });
      if ((err as { code?: unknown }).code === 'ENOENT') {
        return resolve({ kind: 'failed', message: 'the ping command is not installed (Debian/Ubuntu: apt-get install iputils-ping)' });
      }
      const detail = stderr.trim().split('\n')[0] || errorText(err);
      resolve({ kind: 'failed', message: detail });
    });
  });
}
