import { describe, expect, it } from '../helpers/fixtures.ts';
import { startReceiver } from '../helpers/receiver.ts';
import { call, readFixture } from './helpers.ts';

/**
 * What a monitor imported from Kuma sends, compared with what Kuma sent for it (server/model/monitor.js, 2.5.3: the
 * body encoding's Content-Type, the authentication method's header), through the import route and a real check.
 */
describe('HTTP monitors imported from Kuma', () => {
  it('send the request Kuma sent: the body with its encoding, the bearer token, no credentials where Kuma sent none', async ({ app: t, admin }) => {
    const receiver = await startReceiver();
    const kuma = readFixture('kuma-2.5.json');
    const kept = new Set(['API', 'SOAP service', 'Login form', 'Intranet', 'JSON API']);
    kuma.monitorList = kuma.monitorList
      .filter((m: { name: string }) => kept.has(m.name))
      .map((m: { id: number }) => ({ ...m, url: `${receiver.url}/monitor/${m.id}` }));
    const res = await call(t, 'POST', '/api/import/kuma', { token: admin.token, body: kuma });
    expect(res.text.split('\n')[0]).toBe('Imported 5 monitors, 9 alerts from Kuma v2.5.3');

    const sent = async (id: number) => {
      await t.app.deps.services.sites.checkNow(id);
      const request = receiver.requests.find((r) => r.path === `/monitor/${id}`);
      if (!request) throw new Error(`monitor ${id} sent nothing`);
      return { method: request.method, type: request.headers['content-type'], authorization: request.headers.authorization, body: request.text() };
    };
    const fixture = (name: string) => kuma.monitorList.find((m: { name: string }) => m.name === name);

    expect(await sent(31)).toEqual({ method: 'GET', type: undefined, authorization: 'Bearer kuma-bearer-secret', body: '' });
    expect(await sent(32)).toEqual({ method: 'POST', type: 'text/xml; charset=utf-8', authorization: undefined, body: fixture('SOAP service').body });
    expect(await sent(33)).toEqual({ method: 'POST', type: 'application/x-www-form-urlencoded', authorization: undefined, body: 'user=kuma&remember=1' });
    expect(await sent(34)).toEqual({ method: 'GET', type: undefined, authorization: undefined, body: '' });
    expect(await sent(42)).toEqual({ method: 'POST', type: 'application/json', authorization: undefined, body: fixture('JSON API').body });
  });

  // Kuma hands the parsed headers to axios (0.27 in 1.23, 0.32 in 2.5), which passes them to Node's http.request as
  // they are: null and false arrive as the text "null" and "false" (measured with both versions against a local
  // server). uptop sends the same, so a receiver that matched on them still does.
  it('send a header whose value is null, false or a number as its text, as Kuma did', async ({ app: t, admin }) => {
    const receiver = await startReceiver();
    const kuma = readFixture('kuma-2.5.json');
    const api = kuma.monitorList.find((m: { name: string }) => m.name === 'API');
    kuma.monitorList = [{ ...api, url: `${receiver.url}/headers`, headers: '{"X-Null": null, "X-False": false, "X-Zero": 0, "X-Env": "prod"}' }];
    const res = await call(t, 'POST', '/api/import/kuma', { token: admin.token, body: kuma });
    expect(res.text.split('\n')[0]).toBe('Imported 1 monitors, 9 alerts from Kuma v2.5.3');

    await t.app.deps.services.sites.checkNow(api.id);
    const [request] = receiver.requests;
    expect(request?.headers).toMatchObject({ 'x-null': 'null', 'x-false': 'false', 'x-zero': '0', 'x-env': 'prod' });
  });

  it('skip a monitor whose header value is a JSON object, naming it, and send a list as its comma-joined text', async ({ app: t, admin }) => {
    const receiver = await startReceiver();
    const kuma = readFixture('kuma-2.5.json');
    const api = kuma.monitorList.find((m: { name: string }) => m.name === 'API');
    kuma.monitorList = [
      { ...api, url: `${receiver.url}/list`, headers: '{"Accept": ["application/json", "text/plain"]}' },
      { ...api, id: api.id + 1000, name: 'Nested', url: `${receiver.url}/nested`, headers: '{"X-Env": "prod", "X-Meta": {"team": "ops"}}' },
    ];
    const res = await call(t, 'POST', '/api/import/kuma', { token: admin.token, body: kuma });
    const lines = res.text.split('\n');
    expect(lines[0]).toBe('Imported 1 monitors, 9 alerts from Kuma v2.5.3');
    expect(lines).toContain(`Skipped monitor "Nested" (id ${api.id + 1000}): its header "X-Meta" has a JSON object as its value, which no header can carry`);

    await t.app.deps.services.sites.checkNow(api.id);
    expect(receiver.requests.map((r) => [r.path, r.headers.accept])).toEqual([['/list', 'application/json,text/plain']]);
  });
});
