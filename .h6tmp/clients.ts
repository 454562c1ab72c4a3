import WebSocket from 'ws';
// usage: clients.ts url count query token
const [url, countS, query, token] = process.argv.slice(2);
const count = Number(countS);
let ready = 0, received = 0; const lat: number[] = [];
for (let i = 0; i < count; i++) {
  const ws = new WebSocket(url!, 'graphql-transport-ws');
  ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: token ? { authorization: `Bearer ${token}` } : {} })));
  ws.on('message', (d) => {
    const m = JSON.parse(String(d));
    if (m.type === 'connection_ack') { ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query } })); if (++ready === count) process.send!({ kind: 'ready' }); }
    else if (m.type === 'next') {
      const at = m.payload?.data?.ticks ?? Date.parse(m.payload?.data?.siteStatusChanged?.change?.changedAt);
      if (at === 0 || m.payload?.data?.siteStatusChanged?.change?.reason === 'bench-sync') { process.send!({ kind: 'sync' }); return; }
      lat.push(Date.now() - at); received++;
    } else if (m.type === 'error') console.error(JSON.stringify(m));
  });
}
process.on('message', () => { lat.sort((a, b) => a - b); process.send!({ kind: 'done', received, p50: lat[Math.floor(lat.length / 2)], p99: lat[Math.floor(lat.length * 0.99)] }); setTimeout(() => process.exit(0), 100); });
