import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The console's build: `console/` in, `console/dist/` out (not committed; built at install), served by uptop at `/` with
 * its assets under `/console/assets/` (src/console/routes.ts). Preact's JSX is compiled by Vite's own transformer
 * (oxc), so no framework plugin is needed.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
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
