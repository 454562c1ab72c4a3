import { describe, expect, it } from 'vitest';
import { settingsIssues } from './support.ts';

// Each provider's own keys are tested beside it, in test/alerts/providers/<name>.test.ts.

describe('invalid settings name the field', () => {
  it.each([null, 'url=x', ['https://x'], 42])('rejects %j as a whole', (input) => {
    expect(settingsIssues('DISCORD', input)).toEqual([{ field: 'settings', message: 'must be an object of provider settings' }]);
  });

  it('lists each unknown key separately', () => {
    expect(settingsIssues('PUSHOVER', { token: 't', user: 'u', sound: 'x', device: 'y' })).toEqual([
      { field: 'settings.sound', message: 'is not a PUSHOVER setting' },
      { field: 'settings.device', message: 'is not a PUSHOVER setting' },
    ]);
  });
});
