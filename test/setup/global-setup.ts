import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { migrate } from '../../src/db/migrate.ts';
import { parseDatabaseUrl } from '../../src/db/url.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    templateDb: string;
  }
}

/** Migrates one template database per run; each test copies it instead of migrating again. */
export default function setup(project: TestProject): () => void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uptop-template-'));
  const file = path.join(dir, 'template.db');
  migrate(parseDatabaseUrl(`file:${file}`));
  project.provide('templateDb', file);
  return () => fs.rmSync(dir, { recursive: true, force: true });
}
