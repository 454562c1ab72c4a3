import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import {
  type GraphQLScalarType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  isUnionType,
  Kind,
  parse,
  print,
  type TypeDefinitionNode,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { buildSchema, schemaSDL } from '../../src/graphql/schema.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

/** The object types, queries and subscriptions of API.md, as written there (the fixed contract). */
const CONTRACT = /* contract */ `
type Site implements Node {
  id: ID!  name: String!  type: MonitorType!  url: String  hostname: String  port: Int
  interval: Int!  timeout: Int!  maxRetries: Int!  method: String!  acceptedCodes: String!
  checkSsl: Boolean!  expiryThreshold: Int!  ignoreTls: Boolean!  dnsResolveType: String
  dnsServer: String  paused: Boolean!  description: String!  parent: Site  children: [Site!]!
  alertChannels: [AlertChannel!]!
  pushToken: String
  status: SiteStatus!  displayStatus: DisplayStatus!  latencyMs: Float  statusCode: Int
  lastCheckAt: DateTime  lastError: String  certExpiresAt: DateTime  failureCount: Int!
  statusChangedAt: DateTime  inMaintenance: Boolean!
  checks(first: Int, after: String): CheckConnection!
  stateChanges(first: Int, after: String): StateChangeConnection!
  uptime(from: DateTime, to: DateTime): UptimeReport!
}
type Check { siteId: ID!  checkedAt: DateTime!  up: Boolean!  status: SiteStatus!  latencyMs: Float  statusCode: Int  message: String }
type StateChange { siteId: ID!  from: SiteStatus!  to: SiteStatus!  reason: String!  changedAt: DateTime! }
type UptimeReport { uptimePercent: Float!  downtimeSeconds: Float!  outageCount: Int!
  longestOutageSeconds: Float!  mttrSeconds: Float  mtbfSeconds: Float }
type AlertChannel implements Node { id: ID!  name: String!  provider: AlertProvider!  settings: JSON!
  health: AlertHealth! }
type AlertHealth { lastSendAt: DateTime  lastSendOk: Boolean!  lastError: String!  sendCount: Int!  failCount: Int! }
type MaintenanceWindow implements Node { id: ID!  title: String!  description: String!  type: MaintenanceType!
  site: Site  startsAt: DateTime!  endsAt: DateTime  active: Boolean! }
type User implements Node { id: ID!  username: String!  role: Role!  createdAt: DateTime! }
type LogEntry { message: String!  createdAt: DateTime!  siteId: ID }
type EngineStatus { running: Boolean!  sites: Int!  up: Int!  down: Int!  pending: Int!  paused: Int!
  maintenance: Int!  queueDepth: Int!  droppedWrites: Int!  checksPerMinute: Float! }
type SitePayload { site: Site! }
type AlertChannelPayload { alertChannel: AlertChannel! }
type MaintenanceWindowPayload { maintenanceWindow: MaintenanceWindow! }
type UserPayload { user: User! }
type LoginPayload { token: String! user: User! }
type ApiTokenPayload { token: String! }
type HeartbeatPayload { ok: Boolean! }
type DeletePayload { deletedId: ID! }
type Query {
  me: User
  node(id: ID!): Node
  sites(first: Int, after: String, status: [DisplayStatus!], type: [MonitorType!], search: String): SiteConnection!
  site(id: ID!): Site
  alertChannels: [AlertChannel!]!
  maintenanceWindows(first: Int, after: String, active: Boolean): MaintenanceWindowConnection!
  users: [User!]!
  engineStatus: EngineStatus!
  logs(first: Int): [LogEntry!]!
}
type Subscription {
  siteStatusChanged(siteIds: [ID!]): StateChangeEvent!
  checkCompleted(siteIds: [ID!]): CheckEvent!
  engineStatus: EngineStatus!
  logAdded: LogEntry!
}
type StateChangeEvent { site: Site! change: StateChange! }
type CheckEvent { site: Site! check: Check! }
interface Error { message: String! }
type ValidationError implements Error { message: String! field: String! }
enum MonitorType { HTTP PUSH PING PORT DNS GROUP }
enum SiteStatus { UP DOWN PENDING LATE STALE SSL_EXPIRED }
enum DisplayStatus { UP DOWN PENDING LATE STALE SSL_EXPIRED PAUSED MAINTENANCE }
enum Role { ADMIN EDITOR VIEWER }
enum AlertProvider { DISCORD SLACK WEBHOOK EMAIL NTFY TELEGRAM PAGERDUTY PUSHOVER GOTIFY OPSGENIE }
enum MaintenanceType { MAINTENANCE INCIDENT }
input CreateSiteInput { name: String! type: MonitorType! url: String hostname: String port: Int interval: Int timeout: Int
  maxRetries: Int method: String acceptedCodes: String checkSsl: Boolean expiryThreshold: Int ignoreTls: Boolean
  dnsResolveType: String dnsServer: String paused: Boolean description: String parentId: ID alertChannelIds: [ID!] }
input UpdateSiteInput { id: ID! name: String type: MonitorType url: String hostname: String port: Int interval: Int
  timeout: Int maxRetries: Int method: String acceptedCodes: String checkSsl: Boolean expiryThreshold: Int
  ignoreTls: Boolean dnsResolveType: String dnsServer: String paused: Boolean description: String parentId: ID
  alertChannelIds: [ID!] }
input CreateAlertChannelInput { name: String! provider: AlertProvider! settings: JSON! }
input CreateMaintenanceWindowInput { title: String! description: String type: MaintenanceType siteId: ID
  startsAt: DateTime endsAt: DateTime }
input CreateUserInput { username: String! password: String! role: Role }
input LoginInput { username: String! password: String! }
input CreateApiTokenInput { name: String! readOnly: Boolean }
input HeartbeatInput { token: String! }
input IdInput { id: ID! }
input DeleteInput { id: ID! }
input SetSitePausedInput { id: ID! paused: Boolean! }
`;

const MUTATIONS: Record<string, { input: string | null; payload: string | null; errors: string[] }> = {
  login: { input: 'LoginInput!', payload: 'LoginPayload', errors: ['InvalidCredentialsError', 'RateLimitedError'] },
  createSite: { input: 'CreateSiteInput!', payload: 'SitePayload', errors: ['ValidationError'] },
  updateSite: { input: 'UpdateSiteInput!', payload: 'SitePayload', errors: ['ValidationError', 'NotFoundError'] },
  deleteSite: { input: 'DeleteInput!', payload: 'DeletePayload', errors: ['NotFoundError'] },
  setSitePaused: { input: 'SetSitePausedInput!', payload: 'SitePayload', errors: ['NotFoundError'] },
  checkSiteNow: { input: 'IdInput!', payload: 'SitePayload', errors: ['NotFoundError'] },
  createAlertChannel: { input: 'CreateAlertChannelInput!', payload: 'AlertChannelPayload', errors: ['ValidationError'] },
  updateAlertChannel: { input: 'UpdateAlertChannelInput!', payload: 'AlertChannelPayload', errors: ['ValidationError', 'NotFoundError'] },
  deleteAlertChannel: { input: 'DeleteInput!', payload: 'DeletePayload', errors: ['NotFoundError'] },
  testAlertChannel: { input: 'IdInput!', payload: 'AlertChannelPayload', errors: ['NotFoundError'] },
  createMaintenanceWindow: { input: 'CreateMaintenanceWindowInput!', payload: 'MaintenanceWindowPayload', errors: ['ValidationError'] },
  endMaintenanceWindow: { input: 'IdInput!', payload: 'MaintenanceWindowPayload', errors: ['NotFoundError'] },
  deleteMaintenanceWindow: { input: 'DeleteInput!', payload: 'DeletePayload', errors: ['NotFoundError'] },
  createUser: { input: 'CreateUserInput!', payload: 'UserPayload', errors: ['ValidationError', 'ConflictError'] },
  updateUser: { input: 'UpdateUserInput!', payload: 'UserPayload', errors: ['ValidationError', 'NotFoundError'] },
  deleteUser: { input: 'DeleteInput!', payload: 'DeletePayload', errors: ['NotFoundError'] },
  createApiToken: { input: 'CreateApiTokenInput!', payload: 'ApiTokenPayload', errors: ['ValidationError'] },
  heartbeat: { input: 'HeartbeatInput!', payload: 'HeartbeatPayload', errors: [] },
  logout: { input: null, payload: null, errors: [] },
};

describe('schema', () => {
  it('has every type, field, argument, enum value, input field and non-null mark of API.md', () => {
    const schema = buildSchema();
    for (const def of parse(CONTRACT).definitions as TypeDefinitionNode[]) {
      const name = def.name.value;
      const type = schema.getType(name);
      if (def.kind === Kind.ENUM_TYPE_DEFINITION) {
        expect(isEnumType(type), name).toBe(true);
        const values = isEnumType(type) ? type.getValues().map((v) => v.name) : [];
        expect(values, name).toEqual(expect.arrayContaining((def.values ?? []).map((v) => v.name.value)));
        continue;
      }
      const kindMatches = { ObjectTypeDefinition: isObjectType, InterfaceTypeDefinition: isInterfaceType, InputObjectTypeDefinition: isInputObjectType };
      expect(kindMatches[def.kind as keyof typeof kindMatches](type), `${name} is a ${def.kind}`).toBe(true);
      if (!isObjectType(type) && !isInterfaceType(type) && !isInputObjectType(type)) continue;
      if ('interfaces' in def && !isInputObjectType(type)) {
        for (const iface of def.interfaces ?? [])
          expect(
            type.getInterfaces().map((i) => i.name),
            name,
          ).toContain(iface.name.value);
      }
      const fields = type.getFields() as Record<string, { type: unknown; args?: readonly { name: string; type: unknown }[] }>;
      for (const field of ('fields' in def ? def.fields : undefined) ?? []) {
        const actual = fields[field.name.value];
        const where = `${name}.${field.name.value}`;
        expect(actual, where).toBeDefined();
        expect(String(actual!.type), where).toBe(print(field.type));
        for (const arg of 'arguments' in field ? (field.arguments ?? []) : []) {
          expect(String(actual!.args?.find((a) => a.name === arg.name.value)?.type), `${where}(${arg.name.value})`).toBe(print(arg.type));
        }
      }
    }
  });

  it('writes a DateTime out as its ISO text, so no result holds a Date for JSON.stringify to convert, and refuses an invalid one', () => {
    const dateTime = buildSchema().getType('DateTime') as GraphQLScalarType;
    expect(dateTime.serialize(new Date(Date.UTC(2026, 10, 30, 6, 0, 0, 123)))).toBe('2026-11-30T06:00:00.123Z');
    expect(dateTime.serialize('2026-11-30T07:00:00.123+01:00')).toBe('2026-11-30T06:00:00.123Z');
    expect(() => dateTime.serialize(new Date(Number.NaN))).toThrow('invalid Date');
  });

  it('gives every mutation one `input` and a union of its payload and Error types', () => {
    const mutation = buildSchema().getMutationType()!.getFields();
    for (const [name, expected] of Object.entries(MUTATIONS)) {
      const field = mutation[name];
      expect(field, name).toBeDefined();
      expect(
        field!.args.map((a) => `${a.name}: ${String(a.type)}`),
        name,
      ).toEqual(expected.input ? [`input: ${expected.input}`] : []);
      if (!expected.payload) continue;
      const union = (field!.type as { ofType?: unknown }).ofType;
      expect(isUnionType(union), name).toBe(true);
      if (!isUnionType(union)) continue;
      const members = union.getTypes();
      expect(
        members.map((m) => m.name),
        name,
      ).toEqual(expect.arrayContaining([expected.payload, ...expected.errors]));
      for (const member of members.filter((m) => m.name !== expected.payload)) {
        expect(
          member.getInterfaces().map((i) => i.name),
          `${name}: ${member.name}`,
        ).toContain('Error');
      }
    }
    expect(String(mutation.logout!.type)).toBe('Boolean!');
  });

  it('schema.graphql is what the code prints, and `schema:check` fails when it is stale', async () => {
    expect(fs.readFileSync(path.join(ROOT, 'schema.graphql'), 'utf8')).toBe(schemaSDL());
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uptop-schema-'));
    try {
      const stale = path.join(dir, 'schema.graphql');
      fs.writeFileSync(stale, schemaSDL().replace('type Site implements Node {', 'type Site implements Node {\n  gone: Int'));
      const tsx = path.join(ROOT, 'node_modules/.bin/tsx');
      const failed = await run(tsx, ['scripts/print-schema.ts', '--check', stale], { cwd: ROOT }).then(
        () => null,
        (err: { code: number; stderr: string }) => err,
      );
      expect(failed?.code).toBe(1);
      expect(failed?.stderr).toMatch(/is stale/);
      await run(tsx, ['scripts/print-schema.ts', stale], { cwd: ROOT });
      const { stdout } = await run(tsx, ['scripts/print-schema.ts', '--check', stale], { cwd: ROOT });
      expect(stdout).toMatch(/up to date/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
