import nodemailer from 'nodemailer';
import { stripLineBreaks } from '../headers.ts';
import type { AlertProviderImpl, SendContext } from '../types.ts';
import { requireSetting, settingOr } from './setting.ts';

/** Go's smtp.PlainAuth sends credentials in clear text only to these names; elsewhere TLS is required. */
const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1']);

export const email: AlertProviderImpl = {
  provider: 'EMAIL',
  async send(settings, alert, ctx) {
    const host = requireSetting(settings, 'host');
    const from = stripLineBreaks(requireSetting(settings, 'from'));
    const to = stripLineBreaks(requireSetting(settings, 'to'));
    const user = settings.user ?? '';
    const pass = settings.pass ?? '';
    const authenticate = user !== '' || pass !== '';
    const transport = nodemailer.createTransport({
      host,
      port: Number(settingOr(settings, 'port', '25')),
      // STARTTLS is used whenever the server offers it; it is demanded only before sending credentials.
      requireTLS: authenticate && !LOOPBACK_NAMES.has(host),
      auth: authenticate ? { user, pass } : undefined,
      // Off only by an explicit per-channel choice, for relays with self-signed certificates.
      tls: { rejectUnauthorized: settings.tls_insecure !== 'true' },
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
};

function describeFailure(err: NodeJS.ErrnoException, ctx: SendContext): string {
  if (ctx.signal.aborted) return 'aborted before the alert deadline';
  // nodemailer says only "Timeout" or "Greeting never received"; the limit makes it actionable.
  if (err.code === 'ETIMEDOUT') return `timed out after ${ctx.httpTimeoutMs} ms (${err.message})`;
  return err.message;
}
