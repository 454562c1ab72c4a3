import type { AlertProvider } from '../generated/prisma/client.ts';

/*
 * Uptime Kuma keeps each notification's settings as a JSON string (`notification.config`) of its own keys per
 * provider (server/notification-providers/<name>.js, the same in 1.23 and 2.0 for the ones mapped here). uptop's
 * providers take the Go original's keys (src/alerts/providers/*.ts).
 */

type KumaConfig = Record<string, unknown>;

/** The uptop settings of a Kuma notification, or why it cannot be carried over. */
export type MappedNotification = { provider: AlertProvider; settings: Record<string, string> } | { skip: string };

function str(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() || undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** Only the keys that have a value: a blank Kuma field is an unset uptop setting. */
function settings(entries: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(entries).filter((e): e is [string, string] => e[1] !== undefined));
}

/** Kuma's sender may be `"Uptime Kuma" <alerts@example.com>`; uptop's email provider takes the address. */
function address(value: unknown): string | undefined {
  const text = str(value);
  return text?.match(/<([^<>\s]+@[^<>\s]+)>\s*$/)?.[1] ?? text;
}

const MAPPERS: Record<string, (c: KumaConfig) => MappedNotification> = {
  discord: (c) => ({ provider: 'DISCORD', settings: settings({ url: str(c.discordWebhookUrl) }) }),
  slack: (c) => ({ provider: 'SLACK', settings: settings({ url: str(c.slackwebhookURL) }) }),
  webhook: (c) => ({ provider: 'WEBHOOK', settings: settings({ url: str(c.webhookURL) }) }),
  teams: (c) => ({ provider: 'TEAMS', settings: settings({ url: str(c.webhookUrl) }) }),
  smtp: (c) => ({
    provider: 'EMAIL',
    settings: settings({
      host: str(c.smtpHost),
      port: str(c.smtpPort),
      user: str(c.smtpUsername),
      pass: str(c.smtpPassword),
      from: address(c.smtpFrom),
      to: str(c.smtpTo),
      tls_insecure: c.smtpIgnoreTLSError === true ? 'true' : undefined,
    }),
  }),
  ntfy: (c) => {
    // Kuma before 1.20 had no method and sent basic auth whenever a username was set.
    const method = str(c.ntfyAuthenticationMethod) ?? (str(c.ntfyusername) ? 'usernamePassword' : 'none');
    if (method === 'accessToken') return { skip: 'ntfy access-token authentication is not supported by uptop (username and password are)' };
    const basic = method === 'usernamePassword';
    return {
      provider: 'NTFY',
      settings: settings({
        url: str(c.ntfyserverurl)?.replace(/\/+$/, ''),
        topic: str(c.ntfytopic),
        priority: str(c.ntfyPriority),
        username: basic ? str(c.ntfyusername) : undefined,
        password: basic ? str(c.ntfypassword) : undefined,
      }),
    };
  },
  telegram: (c) => ({ provider: 'TELEGRAM', settings: settings({ token: str(c.telegramBotToken), chat_id: str(c.telegramChatID) }) }),
  // Kuma's "priority" is PagerDuty's severity (critical, error, warning, info).
  pagerduty: (c) => ({ provider: 'PAGERDUTY', settings: settings({ routing_key: str(c.pagerdutyIntegrationKey), severity: str(c.pagerdutyPriority) }) }),
  pushover: (c) => ({ provider: 'PUSHOVER', settings: settings({ token: str(c.pushoverapptoken), user: str(c.pushoveruserkey) }) }),
  gotify: (c) => ({
    provider: 'GOTIFY',
    settings: settings({ url: str(c.gotifyserverurl)?.replace(/\/+$/, ''), token: str(c.gotifyapplicationToken), priority: str(c.gotifyPriority) }),
  }),
  opsgenie: (c) => {
    const priority = str(c.opsgeniePriority);
    return {
      provider: 'OPSGENIE',
      settings: settings({
        api_key: str(c.opsgenieApiKey),
        // Kuma stores 1-5 and sends `P<n>`.
        priority: priority && /^[1-5]$/.test(priority) ? `P${priority}` : priority,
        eu: str(c.opsgenieRegion) === 'eu' ? 'true' : undefined,
      }),
    };
  },
  matrix: (c) => ({
    provider: 'MATRIX',
    settings: settings({ homeserver: str(c.homeserverUrl)?.replace(/\/+$/, ''), access_token: str(c.accessToken), room_id: str(c.internalRoomId) }),
  }),
};

/** A Kuma notification's parsed config as an uptop channel's provider and settings (not yet validated). */
export function mapKumaNotification(config: KumaConfig): MappedNotification {
  const type = typeof config.type === 'string' ? config.type : '';
  const mapper = Object.hasOwn(MAPPERS, type) ? MAPPERS[type] : undefined;
  return mapper ? mapper(config) : { skip: `type "${type || '(none)'}" has no uptop provider` };
}
