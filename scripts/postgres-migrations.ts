import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { listMigrations, MIGRATIONS_DIR } from '../src/db/migrate.ts';
import { PG_MIGRATIONS_DIR } from '../src/db/pg-migrate.ts';
import { derivePostgresSchema, SOURCE } from './postgres-schema.ts';

/**
 * Writes PostgreSQL's twin of every SQLite migration that has none: `prisma/postgresql/migrations/<same name>/`, the
 * `prisma migrate diff --script` for the `postgresql` provider between the models as they were at the previous
 * migration and the models of this one. The models of a committed migration are `prisma/schema.prisma` in the commit
 * that added its migration.sql; an uncommitted one's are the working tree's. Existing twins are never rewritten: a
 * database that applied one refuses a changed file (src/db/pg-migrate.ts).
 *
 *   npm run migrations:postgres      after authoring a SQLite migration (STACK.md "How to author migrations")
 */

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const PRISMA = path.join(REPO_ROOT, 'node_modules', '.bin', 'prisma');

function git(args: string[]): string {
  return execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
}

/** `prisma/schema.prisma` as of the migration's own commit, or the working tree's when it is not committed yet. */
function modelsOf(name: string): string {
  const file = path.relative(REPO_ROOT, path.join(MIGRATIONS_DIR, name, 'migration.sql'));
  const added = git(['log', '--diff-filter=A', '--format=%H', '--', file]).split('\n').filter(Boolean).at(-1);
  return added ? git(['show', `${added}:prisma/schema.prisma`]) : fs.readFileSync(SOURCE, 'utf8');
}

function main(): void {
  const sqlite = listMigrations().map((m) => m.name);
  const existing = new Set(fs.existsSync(PG_MIGRATIONS_DIR) ? listMigrations(PG_MIGRATIONS_DIR).map((m) => m.name) : []);
  const stray = [...existing].filter((name) => !sqlite.includes(name));
  if (stray.length > 0) throw new Error(`PostgreSQL migrations without a SQLite migration of the same name: ${stray.join(', ')}`);

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'uptop-pg-migrations-'));
  try {
    const schemaFile = (name: string) => {
      const file = path.join(tmp, `${name}.prisma`);
      if (!fs.existsSync(file)) fs.writeFileSync(file, derivePostgresSchema(modelsOf(name)));
      return file;
    };
    sqlite.forEach((name, i) => {
      if (existing.has(name)) return;
      const previous = sqlite[i - 1];
      const from = previous === undefined ? ['--from-empty'] : ['--from-schema-datamodel', schemaFile(previous)];
      const sql = execFileSync(PRISMA, ['migrate', 'diff', ...from, '--to-schema-datamodel', schemaFile(name), '--script'], {
        cwd: REPO_ROOT,
        // prisma.config.ts opens DATABASE_URL's SQLite file even for this diff; a fresh checkout has no ./data.
        env: { ...process.env, DATABASE_URL: `file:${path.join(tmp, 'diff.db')}` },
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      fs.mkdirSync(path.join(PG_MIGRATIONS_DIR, name), { recursive: true });
      fs.writeFileSync(path.join(PG_MIGRATIONS_DIR, name, 'migration.sql'), sql);
      console.log(`wrote prisma/postgresql/migrations/${name}/migration.sql`);
    });
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main();
