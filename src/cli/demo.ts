import type { Db } from '../db/client.ts';
import type { Services } from '../services/index.ts';
import type { SiteInput } from '../services/sites.ts';

/**
 * `serve --demo`: three alert channels and ten monitors that show what uptop does without sending anything anywhere.
 * Every monitor that would reach out (HTTP, ping, port, DNS) targets example.com/.net/.org and is paused; the active
 * ones are push monitors and a group of them, which only wait for heartbeats. Only the paused monitors have alert
 * channels, so no alert leaves when the push monitors go DOWN.
 */
const CHANNELS = [
  { name: 'Example webhook', provider: 'WEBHOOK', settings: { url: 'https://example.com/uptop-webhook' } },
  { name: 'Example ntfy', provider: 'NTFY', settings: { url: 'https://ntfy.example.com', topic: 'uptop-demo' } },
  { name: 'Example Slack', provider: 'SLACK', settings: { url: 'https://hooks.example.com/services/demo' } },
] as const;

type DemoSite = SiteInput & { name: string; channels?: number[]; children?: DemoSite[] };

const SITES: DemoSite[] = [
  { name: 'example.com', type: 'HTTP', url: 'https://example.com', checkSsl: true, paused: true, channels: [0, 1] },
  { name: 'example.org API', type: 'HTTP', url: 'https://example.org/api/health', acceptedCodes: '200-299,304', paused: true, channels: [0] },
  { name: 'example.net ping', type: 'PING', hostname: 'example.net', paused: true, channels: [2] },
  { name: 'example.com HTTPS port', type: 'PORT', hostname: 'example.com', port: 443, paused: true },
  { name: 'example.com DNS', type: 'DNS', hostname: 'example.com', dnsResolveType: 'A', paused: true },
  {
    name: 'Backup job',
    type: 'PUSH',
    interval: 86_400,
    // The README's form: a token in the query string is deprecated (it ends up in proxy and access logs) and warned about.
    description: 'Send a heartbeat from cron: curl -fsS -H "Authorization: Bearer $PUSH_TOKEN" "$UPTOP/api/push"',
  },
  {
    name: 'Workers',
    type: 'GROUP',
    description: 'A group is DOWN when one of its monitors is',
    children: [
      { name: 'Queue worker', type: 'PUSH', interval: 300 },
      { name: 'Mail worker', type: 'PUSH', interval: 300 },
    ],
  },
  { name: 'Marketing site', type: 'HTTP', url: 'https://www.example.com', paused: true, description: 'Paused: resume it to see a check' },
];

/** Seeds the demo through the services (as the API would) when the database has neither monitors nor channels; false when it had some. */
export async function seedDemo(db: Db, services: Services): Promise<boolean> {
  const [sites, channels] = await Promise.all([db.site.count(), db.alertChannel.count()]);
  if (sites > 0 || channels > 0) return false;
  const channelIds: number[] = [];
  for (const channel of CHANNELS) channelIds.push((await services.alertChannels.create({ ...channel, settings: { ...channel.settings } })).id);
  const create = async ({ channels: links = [], children = [], ...input }: DemoSite, parentId: number | null) => {
    const site = await services.sites.create({ ...input, parentId, alertChannelIds: links.map((i) => channelIds[i]!) });
    for (const child of children) await create(child, site.id);
  };
  for (const site of SITES) await create(site, null);
  return true;
}
