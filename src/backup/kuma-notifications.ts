import type { AlertProvider } from '../generated/prisma/client.ts';

/*
 * Uptime Kuma keeps each notification's settings as a JSON string (`notification.config`) of its own keys per
 * provider (server/notification-providers/<name>.js, the same from 1.23 to 2.5 for the ones mapped here but for the
 * additions noted). uptop's providers take the Go original's keys (src/alerts/providers/*.ts). Where Kuma sends
 * something uptop's provider cannot (another recipient, a thread, a priority), the channel still alerts, with a note
 * saying what differs; where uptop's provider could not deliver at all, the notification is skipped.
 */

type KumaConfig = Record<string, unknown>;

/** The uptop settings of a Kuma notification and what uptop sends differently, or why it cannot be carried over. */
export type MappedNotification = { provider: AlertProvider; settings: Record<string, string>; notes: string[] } | { skip: string };

function str(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() || undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** Only the keys that have a value: a blank Kuma field is an unset uptop setting. */
function settings(entries: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(entries).filter((e): e is [string, string] => e[1] !== undefined));
}

/** The mapped notification, with a note for each difference that applies (the false ones do not). */
function mapped(provider: AlertProvider, values: Record<string, string>, ...notes: (string | false | undefined)[]): MappedNotification {
  return { provider, settings: values, notes: notes.filter((note): note is string => typeof note === 'string') };
}

/** Kuma's additional headers (a JSON object as text): null when there are none, else the names that parse. */
function headerNames(value: unknown): string[] | null {
  const text = str(value);
  if (!text) return null;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return Object.keys(parsed).length ? Object.keys(parsed) : null;
  } catch {
    // Kuma failed every send on headers that do not parse.
  }
  return [];
}

/** What Kuma's webhook sent: a GET with query parameters (2.1 and later), a custom body, or its JSON payload. */
function kumaWebhookRequest(c: KumaConfig): string {
  if (str(c.httpMethod)?.toLowerCase() === 'get') return 'GET with the alert as query parameters';
  return c.webhookContentType === 'custom' ? 'custom body' : '{heartbeat, monitor, msg}';
}

/** Kuma's Discord thread (2.0 and later) is the webhook's `thread_id` parameter, which Kuma adds to the URL itself. */
function inThread(url: string | undefined, thread: string | undefined): string | undefined {
  if (!url || !thread) return url;
  try {
    const withThread = new URL(url);
    withThread.searchParams.append('thread_id', thread);
    return withThread.toString();
  } catch {
    // Not a URL: planChannel refuses it as it is.
    return url;
  }
}

/** Whether the Kuma that made the export is `major.minor` or later; a version that does not parse is taken as current. */
function kumaSince(version: string, major: number, minor: number): boolean {
  const parts = /^v?(\d+)\.(\d+)/.exec(version.trim());
  if (!parts) return true;
  const [have, haveMinor] = [Number(parts[1]), Number(parts[2])];
  return have > major || (have === major && haveMinor >= minor);
}

/** Kuma's highest ntfy priority (ntfy's "urgent"). */
const NTFY_MAX_PRIORITY = 5;

/**
 * The ntfy priorities Kuma sent (ntfy.js): its own where none is set (4), and from 1.22 a DOWN alert one above it, at
 * most 5, unless 2.0's "priority for down" names one; the test and the certificate warning keep the priority.
 */
function ntfyPriorities(c: KumaConfig, version: string): { priority: string; down_priority: string | undefined } {
  const priority = Number(c.ntfyPriority) || 4;
  const down = kumaSince(version, 1, 22) ? Number(c.ntfyPriorityDown) || Math.min(priority + 1, NTFY_MAX_PRIORITY) : priority;
  return { priority: String(priority), down_priority: down === priority ? undefined : String(down) };
}

const TELEGRAM_API = 'https://api.telegram.org';
const PAGERDUTY_EVENTS = 'https://events.pagerduty.com/v2/enqueue';

/** Kuma's sender may be `"Uptime Kuma" <alerts@example.com>`; uptop's email provider takes the address. */
function address(value: unknown): string | undefined {
  const text = str(value);
  return text?.match(/<([^<>\s]+@[^<>\s]+)>\s*$/)?.[1] ?? text;
}

const MAPPERS: Record<string, (c: KumaConfig, version: string) => MappedNotification> = {
  discord: (c) => {
    // Discord refuses a message to a forum channel's webhook that opens no post and names no thread.
    if (c.discordChannelType === 'createNewForumPost') return { skip: "posts each alert as a new forum post, which uptop's Discord provider cannot do" };
    const thread = c.discordChannelType === 'postToThread' ? str(c.threadId) : undefined;
    return mapped('DISCORD', settings({ url: inThread(str(c.discordWebhookUrl), thread) }));
  },
  slack: (c) => {
    const channel = str(c.slackchannel);
    return mapped(
      'SLACK',
      settings({ url: str(c.slackwebhookURL) }),
      channel && `posts to its webhook's own channel, not to ${channel} (uptop sends no channel override)`,
    );
  },
  webhook: (c) => {
    const headers = headerNames(c.webhookAdditionalHeaders);
    const without = headers && `, and without its headers${headers.length ? ` (${headers.join(', ')})` : ''}`;
    return mapped('WEBHOOK', settings({ url: str(c.webhookURL) }), `posts uptop's JSON payload, not Kuma's ${kumaWebhookRequest(c)}${without || ''}`);
  },
  teams: (c) => mapped('TEAMS', settings({ url: str(c.webhookUrl) })),
  smtp: (c) => {
    const port = str(c.smtpPort);
    // Kuma's "Secure" is TLS from the first byte, on any port; uptop's e-mail does that on port 465 only, STARTTLS elsewhere.
    if (c.smtpSecure === true && port !== '465') return { skip: `implicit TLS (Kuma's "Secure") on port ${port ?? 'none'}, which uptop uses on port 465 only` };
    const to = str(c.smtpTo);
    const copies = [str(c.smtpCC), str(c.smtpBCC)].filter((address) => address !== undefined);
    return mapped(
      'EMAIL',
      settings({
        host: str(c.smtpHost),
        port,
        user: str(c.smtpUsername),
        pass: str(c.smtpPassword),
        from: address(c.smtpFrom),
        to,
        tls_insecure: c.smtpIgnoreTLSError === true ? 'true' : undefined,
      }),
      to && copies.length > 0 && `e-mails ${to} only, not its CC and BCC (${copies.join(', ')}): uptop sends to one address`,
    );
  },
  ntfy: (c, version) => {
    // Kuma before 1.22 had no method and sent basic auth whenever a username was set.
    const method = str(c.ntfyAuthenticationMethod) ?? (str(c.ntfyusername) ? 'usernamePassword' : 'none');
    const basic = method === 'usernamePassword';
    return mapped(
      'NTFY',
      settings({
        url: str(c.ntfyserverurl)?.replace(/\/+$/, ''),
        topic: str(c.ntfytopic),
        ...ntfyPriorities(c, version),
        username: basic ? str(c.ntfyusername) : undefined,
        // uptop sends a password without a user name as ntfy reads an access token: basic auth with an empty user.
        password: basic ? str(c.ntfypassword) : method === 'accessToken' ? str(c.ntfyaccesstoken) : undefined,
      }),
    );
  },
  telegram: (c) => {
    // The server URL is 2.0's; Kuma's dialog fills in the public one.
    const thread = str(c.telegramMessageThreadID);
    const server = str(c.telegramServerUrl)?.replace(/\/+$/, '');
    return mapped(
      'TELEGRAM',
      settings({ token: str(c.telegramBotToken), chat_id: str(c.telegramChatID) }),
      thread && `posts to the chat, not to its topic (message thread ${thread}): uptop's Telegram has no topics`,
      server && server !== TELEGRAM_API && `sends through uptop's Bot API server (UPTOP_TELEGRAM_API_URL), not ${server}`,
    );
  },
  pagerduty: (c) => {
    const url = str(c.pagerdutyIntegrationUrl);
    const onRecovery = str(c.pagerdutyAutoResolve);
    return mapped(
      'PAGERDUTY',
      // Kuma's "priority" is PagerDuty's severity (critical, error, warning, info); Kuma sends warning when none is set.
      settings({ routing_key: str(c.pagerdutyIntegrationKey), severity: str(c.pagerdutyPriority) ?? 'warning' }),
      url && url !== PAGERDUTY_EVENTS && `sends to uptop's PagerDuty events URL (UPTOP_PAGERDUTY_URL), not ${url}`,
      onRecovery !== 'resolve' && `resolves the incident when the monitor recovers (Kuma ${onRecovery === 'acknowledge' ? 'acknowledged it' : 'left it open'})`,
    );
  },
  pushover: (c) => {
    const device = str(c.pushoverdevice);
    return mapped(
      'PUSHOVER',
      // Kuma repeats an emergency (2) every 30 s for an hour, as uptop does when retry and expire are not set.
      settings({ token: str(c.pushoverapptoken), user: str(c.pushoveruserkey), priority: str(c.pushoverpriority) }),
      device && `sends to all of the user's devices, not only "${device}"`,
    );
  },
  gotify: (c) =>
    mapped(
      'GOTIFY',
      // Kuma sends 8 for a priority unset or 0.
      settings({
        url: str(c.gotifyserverurl)?.replace(/\/+$/, ''),
        token: str(c.gotifyapplicationToken),
        priority: c.gotifyPriority ? str(c.gotifyPriority) : '8',
      }),
    ),
  opsgenie: (c) => {
    const priority = str(c.opsgeniePriority);
    return mapped(
      'OPSGENIE',
      settings({
        api_key: str(c.opsgenieApiKey),
        // Kuma stores 1-5 and sends `P<n>`.
        priority: priority && /^[1-5]$/.test(priority) ? `P${priority}` : priority,
        eu: str(c.opsgenieRegion) === 'eu' ? 'true' : undefined,
      }),
    );
  },
  matrix: (c) =>
    mapped('MATRIX', settings({ homeserver: str(c.homeserverUrl)?.replace(/\/+$/, ''), access_token: str(c.accessToken), room_id: str(c.internalRoomId) })),
};

/**
 * A Kuma notification's parsed config as an uptop channel's provider and settings (not yet validated), as the Kuma
 * `version` that made the export sent it.
 */
export function mapKumaNotification(config: KumaConfig, version: string): MappedNotification {
  const type = typeof config.type === 'string' ? config.type : '';
  const mapper = Object.hasOwn(MAPPERS, type) ? MAPPERS[type] : undefined;
  return mapper ? mapper(config, version) : { skip: `type "${type || '(none)'}" has no uptop provider` };
}
