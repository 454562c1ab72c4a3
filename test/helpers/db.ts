import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inject, onTestFinished } from 'vitest';
import { openDb, type Db } from '../../src/db/client.ts';
import { parseDatabaseUrl, type SqliteTarget } from '../../src/db/url.ts';

export interface TestDb {
  dir: string;
  target: SqliteTarget;
  url: string;
  /** Opens another client on the same file (the writer's and the readers' connections are separate). */
  open(): Promise<Db>;
}

/** A migrated SQLite file of the test's own, copied from the run's template, removed when the test ends. */
export function freshDbFile(query = ''): TestDb {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uptop-test-'));
  const file = path.join(dir, 'uptop.db');
  fs.copyFileSync(inject('templateDb'), file);
  const url = `file:${file}${query}`;
  const target = parseDatabaseUrl(url);
  const opened: Db[] = [];
  onTestFinished(async () => {
    await Promise.all(opened.map((db) => db.$disconnect()));
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return {
    dir,
    target,
    url,
    async open() {
      const db = await openDb(target);
      opened.push(db);
      return db;
    },
  };
}
