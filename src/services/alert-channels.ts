import { REDACTED, redactSettings } from '../alerts/redact.ts';
import { validateAlertSettings } from '../alerts/settings.ts';
import type { AlertSettings } from '../alerts/types.ts';
import type { TestAlertResult } from '../engine/types.ts';
import type { AlertChannel, AlertProvider } from '../generated/prisma/client.ts';
import { notifyEngine, type ServiceDeps } from './deps.ts';
import { NotFoundError, ValidationError } from './errors.ts';
import { nameText, parseOrThrow, refuseNulls } from './validate.ts';

export const channelName = nameText(200);

export interface AlertChannelInput {
  name?: string | null;
  provider?: AlertProvider | null;
  settings?: unknown;
}

export interface AlertChannelService {
  create(input: AlertChannelInput & { name: string; provider: AlertProvider }): Promise<AlertChannel>;
  /** Settings values equal to `***REDACTED***` keep what is stored, so settings read back can be sent back. */
  update(id: number, input: AlertChannelInput): Promise<AlertChannel>;
  remove(id: number): Promise<void>;
  test(id: number): Promise<TestAlertResult>;
  /** The stored settings, decrypted. */
  settingsOf(channel: Pick<AlertChannel, 'settings'>): AlertSettings;
  /** The settings as anyone may see them: secrets replaced by the redaction allow-list. */
  redactedSettingsOf(channel: Pick<AlertChannel, 'provider' | 'settings'>): AlertSettings;
}

/** Every value at most `maxBytes` (UTF-8), checked before the provider's rules run on it. */
function checkValueSizes(settings: unknown, maxBytes: number): void {
  if (typeof settings !== 'object' || settings === null) return;
  const tooLarge = Object.entries(settings)
    .filter(([, value]) => Buffer.byteLength(typeof value === 'string' ? value : (JSON.stringify(value) ?? '')) > maxBytes)
    .map(([key]) => ({ field: `settings.${key}`, message: `must be at most ${maxBytes} bytes` }));
  if (tooLarge.length) throw ValidationError.of(tooLarge);
}

/**
 * The mask left after `update` restored what it could (the same provider's stored keys): kept, it would become the
 * secret itself and every send would fail, as config as code and a backup import refuse it too.
 */
function refuseMasks(settings: unknown): void {
  if (typeof settings !== 'object' || settings === null) return;
  const masked = Object.entries(settings).filter(([, value]) => value === REDACTED);
  const message = `is ${REDACTED}, which keeps only a secret stored under this key for this provider: send the value itself`;
  if (masked.length) throw ValidationError.of(masked.map(([key]) => ({ field: `settings.${key}`, message })));
}

/** The provider's rules and the size limit per value; a ValidationError names each bad `settings.<key>`. */
export function checkSettings(provider: AlertProvider, settings: unknown, maxBytes: number): AlertSettings {
  refuseMasks(settings);
  checkValueSizes(settings, maxBytes);
  const result = validateAlertSettings(provider, settings);
  if (!result.ok) throw ValidationError.of(result.issues);
  return result.settings;
}

export function createAlertChannelService(deps: ServiceDeps): AlertChannelService {
  const { db, writer, engine, clock, secretBox } = deps;
  const maxBytes = deps.config.limits.settingValueBytes;

  function settingsOf(channel: Pick<AlertChannel, 'settings'>): AlertSettings {
    return JSON.parse(secretBox.open(channel.settings)) as AlertSettings;
  }

  function seal(settings: AlertSettings): string {
    return secretBox.seal(JSON.stringify(settings));
  }

  return {
    settingsOf,
    redactedSettingsOf: (channel) => redactSettings(channel.provider, settingsOf(channel)),

    async create(input) {
      const name = parseOrThrow(channelName, input.name, 'name');
      const settings = checkSettings(input.provider, input.settings ?? {}, maxBytes);
      const now = clock.now();
      const channel = await writer.submit((tx) =>
        tx.alertChannel.create({ data: { name, provider: input.provider, settings: seal(settings), createdAt: now, updatedAt: now } }),
      );
      await notifyEngine(deps, 'alertChannelsChanged', () => engine.alertChannelsChanged());
      return channel;
    },

    async update(id, input) {
      refuseNulls(input, ['name', 'provider', 'settings']);
      const name = input.name === undefined ? undefined : parseOrThrow(channelName, input.name, 'name');
      const channel = await writer.submit(async (tx) => {
        const current = await tx.alertChannel.findUnique({ where: { id } });
        if (!current) throw new NotFoundError('AlertChannel');
        const provider = input.provider ?? current.provider;
        const stored = settingsOf(current);
        let settings: AlertSettings | undefined;
        if (input.settings !== undefined) {
          const incoming = input.settings;
          const restored =
            typeof incoming === 'object' && incoming !== null && !Array.isArray(incoming) && provider === current.provider
              ? Object.fromEntries(Object.entries(incoming).map(([k, v]) => [k, v === REDACTED && k in stored ? stored[k] : v]))
              : incoming;
          settings = checkSettings(provider, restored, maxBytes);
        } else if (provider !== current.provider) {
          settings = checkSettings(provider, stored, maxBytes);
        }
        return tx.alertChannel.update({
          where: { id },
          data: {
            ...(name !== undefined && { name }),
            provider,
            ...(settings && { settings: seal(settings) }),
            updatedAt: clock.now(),
          },
        });
      });
      await notifyEngine(deps, 'alertChannelsChanged', () => engine.alertChannelsChanged());
      return channel;
    },

    async remove(id) {
      await writer.submit(async (tx) => {
        const { count } = await tx.alertChannel.deleteMany({ where: { id } });
        if (count === 0) throw new NotFoundError('AlertChannel');
      });
      await notifyEngine(deps, 'alertChannelsChanged', () => engine.alertChannelsChanged());
    },

    async test(id) {
      if (!(await db.alertChannel.findUnique({ where: { id }, select: { id: true } }))) throw new NotFoundError('AlertChannel');
      return engine.testAlert(id);
    },
  };
}
