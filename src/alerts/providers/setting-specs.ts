import type { ProviderDefinition } from './provider.ts';

/** One key of a provider's settings, as a form needs it to offer the key. */
export interface SettingSpec {
  key: string;
  /** Read out as `***REDACTED***`: every key the provider does not declare visible (`redact.ts`). */
  secret: boolean;
  /** Refused when blank. */
  required: boolean;
}

/**
 * The provider's settings in the order its schema declares them, read from the schema the API validates with: a key
 * added there is offered by every client that asks, with nothing else to update.
 */
export function settingSpecs(definition: ProviderDefinition): SettingSpec[] {
  return Object.entries(definition.settings.shape).map(([key, schema]) => ({
    key,
    secret: !definition.visibleKeys.includes(key),
    required: !schema.safeParse(undefined).success,
  }));
}
