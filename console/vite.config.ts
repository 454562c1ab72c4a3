import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildSchema, isAbstractType } from 'graphql';
import { defineConfig, type Plugin } from 'vite';

const SCHEMA = fileURLToPath(new URL('../schema.graphql', import.meta.url));
const POSSIBLE_TYPES = 'virtual:possible-types';

/**
 * `virtual:possible-types`: each interface and union of the committed `schema.graphql` with the object types that
 * implement or make it up, read at build time, so graphcache matches `... on Error` to `InvalidCredentialsError`
 * by the schema rather than by guessing, and stays in step with it.
 */
function possibleTypes(): Plugin {
  const resolved = `\0${POSSIBLE_TYPES}`;
  return {
    name: 'uptop-possible-types',
    resolveId: (id) => (id === POSSIBLE_TYPES ? resolved : undefined),
    load(id) {
      if (id !== resolved) return undefined;
      this.addWatchFile(SCHEMA);
      const schema = buildSchema(readFileSync(SCHEMA, 'utf8'));
      const map: Record<string, string[]> = {};
      for (const type of Object.values(schema.getTypeMap())) {
        if (isAbstractType(type) && !type.name.startsWith('__')) map[type.name] = schema.getPossibleTypes(type).map((t) => t.name);
      }
      return `export default ${JSON.stringify(map)};`;
    },
  };
}

/**
 * The console's build: `console/` in, `console/dist/` out (not committed; built at install), served by uptop at `/` with
 * its assets under `/console/assets/` (src/console/routes.ts). Preact's JSX is compiled by Vite's own transformer
 * (oxc), so no framework plugin is needed.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  plugins: [possibleTypes()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // No inline scripts or data: modules, so the page runs under uptop's Content-Security-Policy as it is.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    target: 'es2022',
  },
  logLevel: 'warn',
});
