import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { databaseName, dropDatabase, pgQuery as query, usePostgres } from '../helpers/postgres.ts';

const postgres = usePostgres();

describe('the throwaway PostgreSQL cluster of test/helpers/postgres.ts', () => {
  it('serves PostgreSQL 15 on loopback and gives each caller a database of its own', async () => {
    expect(await query(postgres.server.url, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
    const [version] = await query<{ server_version: string }>(postgres.server.url, 'SHOW server_version');
    expect(version?.server_version).toMatch(/^15\./);

    const a = await postgres.createDatabase();
    const b = await postgres.createDatabase();
    expect(a).not.toBe(b);
    await query(a, 'CREATE TABLE t (x int)');
    expect(await query(a, `SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 't'`)).toEqual([{ n: 1 }]);
    expect(await query(b, `SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 't'`)).toEqual([{ n: 0 }]);
  });

  it('copies a template database, several at once (test files run in parallel)', async () => {
    const template = await postgres.createDatabase();
    await query(template, 'CREATE TABLE kept (x int); INSERT INTO kept VALUES (42)');
    const copies = await Promise.all(Array.from({ length: 4 }, () => postgres.createDatabase({ template })));
    for (const copy of copies) expect(await query(copy, 'SELECT x FROM kept')).toEqual([{ x: 42 }]);
  });

  it('drops a database its clients are still connected to', async () => {
    const url = await postgres.createDatabase();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    client.on('error', () => {}); // the server ends this session
    await dropDatabase(postgres.server.url, url);
    expect(await query(postgres.server.url, `SELECT count(*)::int AS n FROM pg_database WHERE datname = '${databaseName(url)}'`)).toEqual([{ n: 0 }]);
    await client.end().catch(() => {});
  });
});
