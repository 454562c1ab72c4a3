import type { AlertProvider } from '../generated/prisma/client.ts';

/** What happened, so providers that distinguish events (webhook, PagerDuty) can say so. */
export type AlertEvent = 'down' | 'up' | 'ssl_expiring' | 'test';

export interface AlertMessage {
  event: AlertEvent;
  title: string;
  message: string;
  site: { id: number; name: string; status: string } | null;
  timestamp: Date;
}

/** Provider settings are string maps, as in the Go original. */
export type AlertSettings = Record<string, string>;

export interface SendContext {
  /** Overall deadline for the send (30 s by default). */
  signal: AbortSignal;
  /** Per-HTTP-request timeout in ms (10 s by default). */
  httpTimeoutMs: number;
  /** Base URLs of the fixed-endpoint providers, overridable so tests can point them at a local receiver. */
  endpoints: ProviderEndpoints;
  /** `UPTOP_ALLOW_PRIVATE_TARGETS`: whether a channel's own target (URL, SMTP host) may be a private address. */
  allowPrivateTargets: boolean;
}

/**
 * Set by the operator (`UPTOP_TELEGRAM_API_URL`, ...), never by an EDITOR, so they are trusted and not subject to the
 * SSRF guard: a self-hosted gateway may sit on a private network without private targets being allowed for all.
 */
export interface ProviderEndpoints {
  /** The Bot API base (`https://api.telegram.org`); `/bot<token>/sendMessage` is appended. The others are full endpoint URLs. */
  telegram: string;
  pagerduty: string;
  pushover: string;
  opsgenie: string;
  opsgenieEu: string;
}

export interface AlertProviderImpl {
  readonly provider: AlertProvider;
  /** Throws an Error whose message leaks no secret on failure. */
  send(settings: AlertSettings, alert: AlertMessage, ctx: SendContext): Promise<void>;
}
