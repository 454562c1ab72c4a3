import { describe, expect, it } from 'vitest';
import { redactSettings } from '../../src/alerts/redact.ts';
import { PROVIDER_DEFINITIONS } from '../../src/alerts/providers/registry.ts';
import { settingSpecs } from '../../src/alerts/providers/setting-specs.ts';
import { validateAlertSettings } from '../../src/alerts/settings.ts';

// What a form offers for a provider must be what the API takes: checked here against validation and redaction
// themselves, not against a second list.
describe.each(PROVIDER_DEFINITIONS.map((d) => [d.provider, d] as const))('the settings keys of %s', (provider, definition) => {
  const specs = settingSpecs(definition);

  it('are every key validation accepts', () => {
    const issues = validateAlertSettings(provider, Object.fromEntries(specs.map(({ key }) => [key, 'x'])));
    const unknown = issues.ok ? [] : issues.issues.filter((issue) => issue.message.startsWith('is not a'));
    expect(unknown).toEqual([]);
    expect(specs.length).toBeGreaterThan(0);
  });

  it('mark as required exactly the keys refused when absent', () => {
    const issues = validateAlertSettings(provider, {});
    const refused = issues.ok ? [] : issues.issues.map((issue) => issue.field);
    expect(specs.filter((s) => s.required).map(({ key }) => `settings.${key}`)).toEqual(refused);
  });

  it('mark as secret exactly the keys the API reads out as the mask', () => {
    const redacted = redactSettings(provider, Object.fromEntries(specs.map(({ key }) => [key, 'plain'])));
    expect(Object.fromEntries(specs.map(({ key, secret }) => [key, secret]))).toEqual(
      Object.fromEntries(Object.entries(redacted).map(([key, value]) => [key, value !== 'plain'])),
    );
  });
});

describe('settings keys', () => {
  it("follow the provider's declaration: Pushover's user key is a required secret, its priority a visible option", () => {
    const pushover = PROVIDER_DEFINITIONS.find((d) => d.provider === 'PUSHOVER')!;
    expect(settingSpecs(pushover)).toEqual([
      { key: 'token', secret: true, required: true },
      { key: 'user', secret: true, required: true },
      { key: 'priority', secret: false, required: false },
      { key: 'retry', secret: false, required: false },
      { key: 'expire', secret: false, required: false },
    ]);
  });
});
