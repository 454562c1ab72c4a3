import fs from 'node:fs'; import os from 'node:os'; import path from 'node:path';
import { openDb } from '../src/db/client.ts'; import { migrate } from '../src/db/migrate.ts'; import { parseDatabaseUrl } from '../src/db/url.ts';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'h6-')); const target = parseDatabaseUrl(`file:${dir}/u.db`); migrate(target);
const db = await openDb(target);
await db.site.createMany({ data: Array.from({ length: 60 }, (_, i) => ({ name: `s${i}`, updatedAt: new Date() })) });
async function time(label: string, fn: () => Promise<unknown>, n = 500) { for (let i = 0; i < 50; i++) await fn(); const t0 = performance.now(); for (let i = 0; i < n; i++) await fn(); console.log(label, ((performance.now() - t0) / n * 1000).toFixed(0), 'us'); }
await time('findMany take 51', () => db.site.findMany({ take: 51, orderBy: { id: 'asc' } }));
await time('findMany take 1', () => db.site.findMany({ take: 1, orderBy: { id: 'asc' } }));
await time('count', () => db.site.count());
await time('session.findUnique', () => db.session.findUnique({ where: { tokenHash: 'x' } }));
await time('raw select 51', () => db.$queryRaw`SELECT * FROM "Site" ORDER BY id LIMIT 51`);
await time('raw select 1', () => db.$queryRaw`SELECT 1`);
await time('findMany take 51 select 4', () => db.site.findMany({ take: 51, orderBy: { id: 'asc' }, select: { id: true, name: true, type: true, url: true } }));
await db.$disconnect(); fs.rmSync(dir, { recursive: true });
