import { describe, expect, it } from 'vitest';
import { getProvider } from '../../../src/alerts/providers/index.ts';
import { ConfigError, loadConfig } from '../../../src/config.ts';
import { AlertProvider } from '../../../src/generated/prisma/client.ts';
import { startReceiver } from '../../helpers/receiver.ts';
import { DOWN, sendContext, sendError } from '../support.ts';

describe('getProvider', () => {
  it('has an implementation for every AlertProvider value', () => {
    for (const provider of Object.values(AlertProvider)) {
      expect(getProvider(provider).provider).toBe(provider);
    }
  });

  it('refuses a provider name it does not know', () => {
    expect(() => getProvider('CARRIER_PIGEON' as AlertProvider)).toThrow('unknown alert provider "CARRIER_PIGEON"');
  });

  it('fails a send whose declared endpoint is missing from the context, without a request', async () => {
    const receiver = await startReceiver();
    const err = await sendError(getProvider('PUSHOVER').send({ token: 't', user: 'u' }, DOWN, sendContext(receiver, { endpoints: {} })));
    expect(err.message).toBe('PUSHOVER endpoint "messages" is not configured');
    expect(receiver.connections).toBe(0);
  });
});

describe('provider endpoints in the configuration', () => {
  it('default to the public APIs', () => {
    expect(loadConfig({}).alertEndpoints).toEqual({
      TELEGRAM: { api: 'https://api.telegram.org' },
      PAGERDUTY: { events: 'https://events.pagerduty.com/v2/enqueue' },
      PUSHOVER: { messages: 'https://api.pushover.net/1/messages.json' },
      OPSGENIE: { us: 'https://api.opsgenie.com/v2/alerts', eu: 'https://api.eu.opsgenie.com/v2/alerts' },
    });
  });

  it('are overridden by their variables, and a blank one keeps the default', () => {
    const endpoints = loadConfig({ UPTOP_OPSGENIE_EU_URL: 'http://10.0.0.5:8080/eu', UPTOP_TELEGRAM_API_URL: '' }).alertEndpoints;
    expect(endpoints.OPSGENIE).toEqual({ us: 'https://api.opsgenie.com/v2/alerts', eu: 'http://10.0.0.5:8080/eu' });
    expect(endpoints.TELEGRAM).toEqual({ api: 'https://api.telegram.org' });
  });

  it('name the variable of a bad URL, after the other settings', () => {
    const load = () => loadConfig({ UPTOP_PUSHOVER_URL: 'not a url', UPTOP_PAGERDUTY_URL: 'ftp://127.0.0.1/x', UPTOP_HTTP_PORT: 'x' });
    expect(load).toThrow(ConfigError);
    expect(() => load()).toThrow(
      expect.objectContaining({
        issues: [
          { variable: 'UPTOP_HTTP_PORT', message: 'expected a whole number from 0 to 65535' },
          { variable: 'UPTOP_PAGERDUTY_URL', message: 'expected an http:// or https:// URL' },
          { variable: 'UPTOP_PUSHOVER_URL', message: 'expected an http:// or https:// URL' },
        ],
      }),
    );
  });
});
