import http from 'node:http'; import { fork } from 'node:child_process'; import { WebSocketServer, WebSocket } from 'ws';
if (process.argv[2] === 'client') {
  const n = Number(process.argv[3]); let got = 0; const url = process.argv[4]!;
  for (let i = 0; i < n; i++) { const ws = new WebSocket(url); ws.on('message', () => { if (++got === n * 100) process.send!('done'); }); ws.on('open', () => { if (i === n - 1) setTimeout(() => process.send!('ready'), 500); }); }
} else {
  const N = 2000; const server = http.createServer(); const wss = new WebSocketServer({ server });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const child = fork(new URL(import.meta.url).pathname, ['client', String(N), `ws://127.0.0.1:${(server.address() as any).port}`]);
  await new Promise((r) => child.once('message', r));
  const payload = JSON.stringify({ data: { siteStatusChanged: { site: { id: 'U2l0ZToxMjM=', name: 'service 12' }, change: { siteId: 'U2l0ZToxMjM=', from: 'UP', to: 'DOWN', reason: 'HTTP 500', changedAt: new Date().toISOString() } } } });
  const mode = process.env.MODE ?? 'plain';
  const t0 = performance.now();
  const done = new Promise((r) => child.once('message', r));
  for (let e = 0; e < 100; e++) {
    for (const ws of wss.clients) {
      const msg = mode === 'stringify' ? JSON.stringify({ id: 'b8a1c2d3-1234-4567-89ab-cdef01234567', type: 'next', payload: JSON.parse(payload) }) : `{"id":"b8a1c2d3-1234-4567-89ab-cdef01234567","type":"next","payload":${payload}}`;
      if (mode === 'cork') { (ws as any)._socket.cork(); ws.send(msg); process.nextTick(() => (ws as any)._socket.uncork()); } else ws.send(msg);
    }
  }
  const sync = performance.now() - t0;
  await done;
  console.log(mode, 'sync loop ms', sync.toFixed(0), 'all received ms', (performance.now() - t0).toFixed(0));
  child.kill(); process.exit(0);
}
