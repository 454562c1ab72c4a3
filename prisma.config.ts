import { defineConfig } from 'prisma/config';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { parseDatabaseUrl } from './src/db/url.ts';

// The CLI uses the WebAssembly schema engine through the same adapter and URL parsing as the server,
// because the native engines cannot be downloaded on these machines (STACK.md).
export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  adapter: async () => {
    const target = parseDatabaseUrl(process.env.DATABASE_URL);
    return new PrismaBetterSQLite3({ url: `file:${target.file}`, timeout: target.busyTimeoutMs });
  },
});
