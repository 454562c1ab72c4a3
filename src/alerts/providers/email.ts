import type { LookupAddress } from 'node:dns';
import net from 'node:net';
import nodemailer from 'nodemailer';
import { z } from 'zod';
import { pinnedLookup } from '../../engine/checks/ssrf.ts';
import { stripBrackets } from '../../engine/checks/target.ts';
import { systemTrust } from '../../engine/checks/trust.ts';
import { resolveAlertTarget } from '../guard.ts';
import { stripLineBreaks } from '../headers.ts';
import type { TransportContext } from '../types.ts';
import { defineProvider } from './provider.ts';
import { oneOf, optional, required, requireSetting, settingOr, text, wholeNumber } from './setting.ts';

/** Go's smtp.PlainAuth sends credentials in clear text only to these names; elsewhere TLS is required. */
const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1']);

/** One bare address: it is both the header and the SMTP envelope, which takes exactly one recipient. */
const mailbox = text.trim().regex(/^[^\s@<>,;"()]+@[^\s@<>,;"()]+$/, 'must be a single e-mail address such as alerts@example.com');

/** A colon belongs to an IPv6 literal only: `smtp.example.com:587` would be looked up as a name and never found. */
const hostname = text
  .trim()
  .regex(/^[^\s/]+$/, 'must be a host name or IP address')
  .refine(
    (host) => !host.includes(':') || net.isIPv6(stripBrackets(host)),
    'must be a host name or IP address, without a port (the port is a setting of its own)',
  );

export const email = defineProvider({
  provider: 'EMAIL',
  settings: z.strictObject({
    host: required(hostname),
    port: optional(wholeNumber(1, 65535)),
    user: optional(text),
    pass: optional(text),
    from: required(mailbox),
    to: required(mailbox),
    tls_insecure: optional(oneOf(['true', 'false'])),
  }),
  visibleKeys: ['host', 'port', 'to', 'from', 'tls_insecure'],
  async send(settings, alert, ctx) {
    const host = requireSetting(settings, 'host');
    const from = stripLineBreaks(requireSetting(settings, 'from'));
    const to = stripLineBreaks(requireSetting(settings, 'to'));
    const port = Number(settingOr(settings, 'port', '25'));
    const user = settings.user ?? '';
    const pass = settings.pass ?? '';
    const authenticate = user !== '' || pass !== '';
    let addresses: LookupAddress[];
    try {
      addresses = await resolveAlertTarget(host, ctx.allowPrivateTargets, ctx.signal);
    } catch (err) {
      throw new Error(`SMTP send failed: ${describeFailure(err as NodeJS.ErrnoException, ctx)}`);
    }
    const verify = settings.tls_insecure !== 'true';
    const transport = nodemailer.createTransport({
      // Stays the configured name: STARTTLS and implicit TLS present and verify it (SNI), whatever address was used.
      host,
      port,
      // nodemailer would resolve the name again itself; the socket goes to the addresses the guard checked instead.
      getSocket: (_options, callback) => {
        connectPinned(host, port, addresses, ctx).then(
          (connection) => callback(null, { connection }),
          (err: Error) => callback(err, false),
        );
      },
      // STARTTLS is used whenever the server offers it; it is demanded only before sending credentials.
      requireTLS: authenticate && !LOOPBACK_NAMES.has(host),
      auth: authenticate ? { user, pass } : undefined,
      // Off only by an explicit per-channel choice, for relays with self-signed certificates. Verified, against the
      // CAs the checks trust: a relay signed by the company's CA installed system-wide.
      tls: verify ? { rejectUnauthorized: true, secureContext: await systemTrust.secureContext() } : { rejectUnauthorized: false },
      connectionTimeout: ctx.httpTimeoutMs,
      greetingTimeout: ctx.httpTimeoutMs,
      socketTimeout: ctx.httpTimeoutMs,
      disableFileAccess: true,
      disableUrlAccess: true,
    });
    try {
      await transport.sendMail({
        from,
        to,
        // One recipient, exactly as configured: the header parser must not split it into several.
        envelope: { from, to: [to] },
        subject: `uptop: ${stripLineBreaks(alert.title)}`,
        text: alert.message,
        signal: ctx.signal,
      });
    } catch (err) {
      throw new Error(`SMTP send failed: ${describeFailure(err as NodeJS.ErrnoException, ctx)}`);
    } finally {
      transport.close();
    }
  },
});

/** A TCP connection to one of the checked addresses (each tried in turn, as the PORT check does). */
function connectPinned(host: string, port: number, addresses: LookupAddress[], ctx: TransportContext): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port, lookup: pinnedLookup(addresses), autoSelectFamily: true, signal: ctx.signal });
    const timer = setTimeout(() => {
      socket.destroy(Object.assign(new Error('Connection timeout'), { code: 'ETIMEDOUT' }));
    }, ctx.httpTimeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

function describeFailure(err: NodeJS.ErrnoException, ctx: TransportContext): string {
  if (ctx.signal.aborted) return 'aborted before the alert deadline';
  // nodemailer says only "Timeout" or "Greeting never received"; the limit makes it actionable.
  if (err.code === 'ETIMEDOUT') return `timed out after ${ctx.httpTimeoutMs} ms (${err.message})`;
  return err.message;
}
