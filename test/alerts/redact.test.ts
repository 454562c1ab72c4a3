import { describe, expect, it } from 'vitest';
import { REDACTED, redactSettings, scrubSecrets, secretValues } from '../../src/alerts/redact.ts';

const R = REDACTED;

// What each provider shows is tested beside it, in test/alerts/providers/<name>.test.ts.

describe('redactSettings', () => {
  it('shows nothing of a provider it does not know', () => {
    expect(redactSettings('SOMETHING_NEW', { host: 'h', priority: '1' })).toEqual({ host: R, priority: R });
  });

  it('leaves empty values empty and does not touch the input', () => {
    const settings = { url: '', secret: 'x' };
    expect(redactSettings('WEBHOOK', settings)).toEqual({ url: '', secret: R });
    expect(settings).toEqual({ url: '', secret: 'x' });
  });

  it('redacts a key that is allow-listed for another provider', () => {
    expect(redactSettings('DISCORD', { topic: 't', url: 'u' })).toEqual({ topic: R, url: R });
  });
});

describe('secretValues and scrubSecrets', () => {
  it('collects the non-empty secret values, longest first', () => {
    expect(secretValues('NTFY', { url: 'https://n.example/p', topic: 'ops', username: 'alice', password: '' })).toEqual(['https://n.example/p', 'alice']);
  });

  it('cuts every occurrence out, whole secrets before their parts', () => {
    const secrets = secretValues('TELEGRAM', { token: '123:ABCdef', chat_id: '42' });
    expect(scrubSecrets('POST /bot123:ABCdef/sendMessage failed (123:ABCdef)', secrets)).toBe('POST /bot***/sendMessage failed (***)');
    expect(scrubSecrets('a webhook at https://h.example/T0K failed', ['https://h.example/T0K', 'T0K-other'])).toBe('a webhook at *** failed');
  });

  it('leaves values under four characters alone rather than shredding the message', () => {
    expect(scrubSecrets('Invalid user u', ['u'])).toBe('Invalid user u');
  });
});
