import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * `prisma/schema.prisma` is the one set of models (SQLite's). PostgreSQL's schema is derived from it: the same models
 * with the `postgresql` provider and a client generated into `src/generated/prisma-pg` (the GraphQL schema's Pothos
 * types come from the SQLite client alone). Writes `prisma/postgresql/schema.prisma`; `--check` only compares and exits
 * 1 when the derived file is stale. `derivePostgresSchema` also serves scripts/postgres-migrations.ts for old models.
 */

export const SOURCE = fileURLToPath(new URL('../prisma/schema.prisma', import.meta.url));
export const DERIVED = fileURLToPath(new URL('../prisma/postgresql/schema.prisma', import.meta.url));

const HEADER = [
  '// GENERATED from prisma/schema.prisma by scripts/postgres-schema.ts (npm run schema:postgres): do not edit.',
  '// The same models for PostgreSQL; `npm run schema:check` fails when this file is stale.',
  '',
].join('\n');

/** A top-level block (`generator name {`, `datasource name {`) up to its closing brace on a line of its own. */
function block(kind: 'generator' | 'datasource', name: string): RegExp {
  return new RegExp(`^${kind} ${name} \\{\\n[\\s\\S]*?^\\}\\n`, 'm');
}

function replaceOnce(text: string, pattern: RegExp, replacement: string): string {
  if (!pattern.test(text)) throw new Error(`prisma/schema.prisma has no block matching ${pattern}: update scripts/postgres-schema.ts`);
  return text.replace(pattern, replacement);
}

export function derivePostgresSchema(source: string): string {
  let text = replaceOnce(
    source,
    block('generator', 'client'),
    ['generator client {', '  provider   = "prisma-client"', '  output     = "../../src/generated/prisma-pg"', '  engineType = "client"', '}', ''].join('\n'),
  );
  text = replaceOnce(text, /^generator pothos \{\n[\s\S]*?^\}\n\n?/m, '');
  text = replaceOnce(
    text,
    block('datasource', 'db'),
    [
      'datasource db {',
      '  provider = "postgresql"',
      '  // Ignored at run time (the pg driver adapter connects); kept because the 6.19 CLI needs a url to parse the schema.',
      '  url      = "postgresql://localhost/uptop"',
      '}',
      '',
    ].join('\n'),
  );
  return HEADER + text;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const derived = derivePostgresSchema(fs.readFileSync(SOURCE, 'utf8'));
  if (process.argv.includes('--check')) {
    const current = fs.existsSync(DERIVED) ? fs.readFileSync(DERIVED, 'utf8') : '';
    if (current !== derived) {
      console.error(`${DERIVED} is stale: it differs from prisma/schema.prisma. Run \`npm run schema:postgres\` and commit it.`);
      process.exit(1);
    }
    console.log(`${DERIVED} is up to date`);
  } else {
    fs.mkdirSync(new URL('../prisma/postgresql/', import.meta.url), { recursive: true });
    fs.writeFileSync(DERIVED, derived);
    console.log(`wrote ${DERIVED}`);
  }
}
