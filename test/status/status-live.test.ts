import type { TestApp } from '../helpers/app.ts';
import { describe, expect, it } from '../helpers/fixtures.ts';
import { addSite, addWindow, checkByUrl, STATUS_ENV } from './support.ts';

async function get(t: TestApp, path: string) {
  const res = await fetch(`${t.url}${path}`);
  return { res, text: await res.text() };
}

describe('/status and /status/live over HTTP', () => {
  it.override({ appOptions: { env: STATUS_ENV, runCheck: checkByUrl } });

  it('escapes every name, title and description it shows', async ({ app: t }) => {
    const id = await addSite(t, { name: '<script>alert("name")</script>', type: 'HTTP', url: 'https://x.example/"><img src=x>' });
    await addWindow(t, { title: '<img src=x onerror=alert(1)>', description: 'it\'s <b>bold</b> & "quoted"', siteId: id });
    const { res, text } = await get(t, '/status');
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(text).not.toMatch(/<script>alert|<img src=x|<b>bold/);
    expect(text).toContain('&lt;script&gt;alert(&quot;name&quot;)&lt;/script&gt;');
    expect(text).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(text).toContain('it&#39;s &lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot;');
    expect(text).toContain('<title>Acme &lt;Status&gt; &amp; &quot;Co&quot;</title>');
    // The URL is shown re-serialized (its quote and brackets percent-encoded), never as markup.
    expect(text).toContain('https://x.example/%22%3E%3Cimg%20src=x%3E');
  });

  it('puts the children of a private group at the top and names nothing of the group', async ({ app: t }) => {
    const group = await addSite(t, { name: 'Private group', type: 'GROUP', public: false });
    await addWindow(t, { title: 'Group work', siteId: group, type: 'INCIDENT' });
    await addSite(t, { name: 'Public child', type: 'HTTP', url: 'https://c.example/', parentId: group });
    const { text } = await get(t, '/status/live');
    expect(text).toMatch(/<div class="sites"><article class="site st-up" data-site-id="\d+">\s*<div class="head"><h3 class="name">Public child</);
    expect(text).not.toContain('class="group"');
    expect(text).not.toContain('Private group');
    expect(text).not.toContain('Group work');
    expect(text).toContain('<p class="summary" id="summary"><span class="s-up">1/1 UP</span></p>');
  });

  it('says so when there is nothing to show, and answers HEAD without a body', async ({ app: t }) => {
    expect((await get(t, '/status/live')).text).toContain('No monitors to show.');
    const head = await fetch(`${t.url}/status`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('serves its own assets with long-lived caching, linked by content hash', async ({ app: t }) => {
    const { text } = await get(t, '/status');
    const css = /href="(status\/assets\/status\.css\?v=[0-9a-f]{12})"/.exec(text)?.[1];
    const js = /src="(status\/assets\/status\.js\?v=[0-9a-f]{12})"/.exec(text)?.[1];
    expect(css).toBeDefined();
    expect(js).toBeDefined();
    for (const [path, type] of [
      [css!, 'text/css; charset=utf-8'],
      [js!, 'text/javascript; charset=utf-8'],
    ] as const) {
      const res = await fetch(`${t.url}/${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe(type);
      expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    }
  });
});
