import { describe, expect, it } from 'vitest';
import { REDACTED as R, redactSettings } from '../../../src/alerts/redact.ts';
import { validateAlertSettings } from '../../../src/alerts/settings.ts';
import { DOWN, EVENTS, expectJsonPost, sendOne, settingsIssues } from '../support.ts';
import { describeHttpFailures, itTrustsItsOperatorEndpoint } from '../provider-contract.ts';

describe.each(EVENTS)('TELEGRAM: a $event alert', (alert) => {
  it('posts HTML with a bold title to /bot<token>/sendMessage', async () => {
    const req = await sendOne('TELEGRAM', () => ({ token: '123456:ABC-def_ghi', chat_id: '-100200' }), alert);
    expectJsonPost(req, '/bot123456:ABC-def_ghi/sendMessage');
    expect(req.json()).toEqual({ chat_id: '-100200', text: `<b>${alert.title}</b>\n${alert.message}`, parse_mode: 'HTML' });
  });
});

describe('TELEGRAM', () => {
  it('escapes what HTML parsing would take as markup, so names with Markdown characters arrive intact', async () => {
    const name = 'db_main *prod* [eu] `x`';
    const reason = 'HTTP 503 <html> & "co"';
    const alert = { ...DOWN, title: `🚨 ALERT <${name}>`, message: `Monitor '${name}' is DOWN: ${reason}` };
    const req = await sendOne('TELEGRAM', () => ({ token: '1:t', chat_id: '42' }), alert);
    expect(req.json()).toEqual({
      chat_id: '42',
      text: '<b>🚨 ALERT &lt;db_main *prod* [eu] `x`&gt;</b>\nMonitor \'db_main *prod* [eu] `x`\' is DOWN: HTTP 503 &lt;html&gt; &amp; "co"',
      parse_mode: 'HTML',
    });
  });

  it('cuts the text to the 4096 characters Telegram accepts (it answers 400 to more), counted before escaping', async () => {
    const alert = { ...DOWN, message: '&'.repeat(5000) };
    const req = await sendOne('TELEGRAM', () => ({ token: '1:t', chat_id: '42' }), alert);
    // The title, the line break and the message, as Telegram counts them once the HTML is parsed: 8 + 1 + 4087.
    expect(req.json()).toEqual({ chat_id: '42', text: `<b>${alert.title}</b>\n${'&amp;'.repeat(4086)}…`, parse_mode: 'HTML' });
  });
});

describe('TELEGRAM settings', () => {
  it.each<[Record<string, unknown>, Record<string, string>]>([
    [
      { token: '123:ABC-def', chat_id: -1001234 },
      { token: '123:ABC-def', chat_id: '-1001234' },
    ],
    [
      { token: '123:ABC', chat_id: '@mychannel' },
      { token: '123:ABC', chat_id: '@mychannel' },
    ],
  ])('accepts %j as %j', (input, expected) => {
    expect(validateAlertSettings('TELEGRAM', input)).toEqual({ ok: true, settings: expected });
  });

  it.each<[unknown, { field: string; message: string }[]]>([
    [{ token: '123:abc/../x', chat_id: '1' }, [{ field: 'settings.token', message: 'must be a bot token such as 123456:ABC-def_ghi' }]],
    [{ token: 'x\\..\\..\\admin\\reset', chat_id: '1' }, [{ field: 'settings.token', message: 'must be a bot token such as 123456:ABC-def_ghi' }]],
    [{ token: '123:abc def', chat_id: '1' }, [{ field: 'settings.token', message: 'must be a bot token such as 123456:ABC-def_ghi' }]],
    [{ token: '123:abc', chat_id: 'me' }, [{ field: 'settings.chat_id', message: 'must be a numeric chat id or an @channel name' }]],
  ])('refuses %j', (input, expected) => {
    expect(settingsIssues('TELEGRAM', input)).toEqual(expected);
  });

  it('shows the chat id, not the token', () => {
    expect(redactSettings('TELEGRAM', { token: '1:abc', chat_id: '-100' })).toEqual({ token: R, chat_id: '-100' });
  });
});

describeHttpFailures('TELEGRAM', { settings: () => ({ token: '123456:tg-T0KEN', chat_id: '1' }), secrets: ['tg-T0KEN', '/bot'], service: 'Telegram' });
itTrustsItsOperatorEndpoint('TELEGRAM', { token: '1:t', chat_id: '1' });
