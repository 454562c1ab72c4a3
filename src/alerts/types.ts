import type { AlertProvider } from '../generated/prisma/client.ts';

/** What happened, so providers that distinguish events (webhook, PagerDuty) can say so. */
export type AlertEvent = 'down' | 'up' | 'ssl_expiring' | 'ssl_renewed' | 'test';

export interface AlertMessage {
  event: AlertEvent;
  title: string;
  message: string;
  site: { id: number; name: string; status: string } | null;
  timestamp: Date;
  /**
   * The key the incident services (PagerDuty, Opsgenie) know the incident this alert opens or closes by, chosen where
   * the alert is made, which knows whose incident it is (src/alerts/providers/incident-key.ts).
   */
  incidentKey: string;
}

/** Provider settings are string maps, as in the Go original. */
export type AlertSettings = Record<string, string>;

/** How a send may reach its target, whichever provider makes it. */
export interface TransportContext {
  /** Overall deadline for the send (30 s by default). */
  signal: AbortSignal;
  /** Per-HTTP-request timeout in ms (10 s by default). */
  httpTimeoutMs: number;
  /** `UPTOP_ALLOW_PRIVATE_TARGETS`: whether a channel's own target (URL, SMTP host) may be a private address. */
  allowPrivateTargets: boolean;
  /** Waits `ms` on the dispatcher's clock, before asking a service again; rejects once the send's deadline passes. */
  wait(ms: number): Promise<void>;
}

export interface SendContext extends TransportContext {
  /** Base URLs of the fixed-endpoint providers, overridable so tests can point them at a local receiver. */
  endpoints: AlertEndpoints;
}

/**
 * The URLs of each provider's declared endpoints, by provider and endpoint name (`OPSGENIE.eu`), read from their
 * variables (`UPTOP_OPSGENIE_EU_URL`, ...): set by the operator, never by an EDITOR, so they are trusted and not
 * subject to the SSRF guard.
 */
export type AlertEndpoints = { readonly [P in AlertProvider]?: Readonly<Record<string, string>> };

export interface AlertProviderImpl {
  readonly provider: AlertProvider;
  /** See `ProviderDefinition.incidentHome`. */
  readonly incidentHome?: (settings: AlertSettings) => string;
  /** Throws an Error whose message leaks no secret on failure. */
  send(settings: AlertSettings, alert: AlertMessage, ctx: SendContext): Promise<void>;
}
