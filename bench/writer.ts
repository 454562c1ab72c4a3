import fs from 'node:fs';
import Database from 'better-sqlite3';
import { migrate } from '../src/db/migrate.ts';
import { openDb } from '../src/db/client.ts';
import { parseDatabaseUrl } from '../src/db/url.ts';

const N = 200_000, SITES = 50;
const d = (ms: number) => new Date(ms).toISOString().replace('Z', '+00:00');
function fresh(name: string) {
  const f = `/tmp/wexp/${name}.db`;
  for (const s of ['', '-wal', '-shm']) fs.rmSync(f + s, { force: true });
  const t = parseDatabaseUrl(`file:${f}`);
  migrate(t);
  const c = new Database(f); c.pragma('journal_mode = WAL');
  const ins = c.prepare(`INSERT INTO "Site" (name, updatedAt) VALUES (?, ?)`);
  for (let i = 0; i < SITES; i++) ins.run('s' + i, d(Date.now()));
  c.close();
  return t;
}
const rows = Array.from({ length: N }, (_, i) => [1 + (i % SITES), d(1e12 + i), 1, 'UP', 12.5, 200, null, '']);
const cols = `"siteId","checkedAt","up","status","latencyMs","statusCode","message","nodeId"`;

{ // raw
  const t = fresh('raw');
  const c = new Database(t.file); c.pragma('journal_mode = WAL'); c.pragma('synchronous = NORMAL');
  const st = c.prepare(`INSERT INTO "Check" (${cols}) VALUES (?,?,?,?,?,?,?,?)`);
  const tx = c.transaction((b: unknown[][]) => { for (const r of b) st.run(r); });
  const t0 = performance.now();
  for (let i = 0; i < N; i += 2000) tx(rows.slice(i, i + 2000));
  const ms = performance.now() - t0;
  console.log('raw', Math.round(N / ms * 1000));
  c.close();
}
for (const chunk of [250, 1000, 4000]) for (const mode of ['values', 'exists']) {
  const t = fresh('p' + chunk + mode);
  const db = await openDb(t);
  const t0 = performance.now();
  for (let i = 0; i < N; i += 2000) {
    const b = rows.slice(i, i + 2000);
    const stmts = [];
    for (let j = 0; j < b.length; j += chunk) {
      const part = b.slice(j, j + chunk);
      const ph = part.map(() => '(?,?,?,?,?,?,?,?)').join(',');
      const sql = mode === 'values'
        ? `INSERT INTO "Check" (${cols}) VALUES ${ph}`
        : `WITH v(${cols}) AS (VALUES ${ph}) INSERT INTO "Check" (${cols}) SELECT ${cols.split(',').map(c => 'v.' + c).join(',')} FROM v WHERE EXISTS (SELECT 1 FROM "Site" s WHERE s."id" = v."siteId")`;
      stmts.push(db.$executeRawUnsafe(sql, ...part.flat()));
    }
    await db.$transaction(stmts);
  }
  const ms = performance.now() - t0;
  const n = (await db.$queryRawUnsafe<{ n: bigint }[]>('SELECT count(*) n FROM "Check"'))[0]!.n;
  console.log('prisma', chunk, mode, Math.round(N / ms * 1000), n);
  await db.$disconnect();
}
{
  const t = fresh('json');
  const db = await openDb(t);
  const t0 = performance.now();
  for (let i = 0; i < N; i += 2000) {
    const b = rows.slice(i, i + 2000);
    const sql = `INSERT INTO "Check" (${cols}) SELECT value->>0, value->>1, value->>2, value->>3, value->>4, value->>5, value->>6, value->>7 FROM json_each(?) WHERE EXISTS (SELECT 1 FROM "Site" s WHERE s."id" = value->>0)`;
    await db.$transaction([db.$executeRawUnsafe(sql, JSON.stringify(b))]);
  }
  const ms = performance.now() - t0;
  const n = (await db.$queryRawUnsafe<{ n: bigint }[]>('SELECT count(*) n FROM "Check"'))[0]!.n;
  console.log('json', Math.round(N / ms * 1000), n);
  await db.$disconnect();
}
