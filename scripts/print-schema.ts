import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { schemaSDL } from '../src/graphql/schema.ts';

/**
 * Prints the Pothos schema, sorted for stable diffs, to the committed `schema.graphql` (or the file named after the
 * flags); `--check` only compares, and exits 1 when the file is stale.
 */
const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--')) ?? fileURLToPath(new URL('../schema.graphql', import.meta.url));
const printed = schemaSDL();

if (args.includes('--check')) {
  const committed = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  if (committed !== printed) {
    console.error(`${file} is stale: it differs from the schema the code builds. Run \`npm run schema:print\` and commit it.`);
    process.exit(1);
  }
  console.log(`${file} is up to date`);
} else {
  fs.writeFileSync(file, printed);
  console.log(`wrote ${file}`);
}
