import fs from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (path: string) => fs.readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');

describe('README configuration table', () => {
  it('documents every UPTOP_ setting that config.ts reads, its own and those the alert providers declare', () => {
    const providers = fs.readdirSync(new URL('../src/alerts/providers', import.meta.url)).map((file) => read(`src/alerts/providers/${file}`));
    const settings = [...new Set([read('src/config.ts'), ...providers].join('\n').match(/\bUPTOP_[A-Z0-9_]+\b/g))];
    expect(settings).toContain('UPTOP_WS_PER_IP');
    expect(settings).toContain('UPTOP_OPSGENIE_EU_URL');
    const rows = read('README.md')
      .split('\n')
      .filter((line) => line.startsWith('| `'));
    expect(settings.filter((name) => !rows.some((row) => row.includes(`\`${name}\``)))).toEqual([]);
  });
});
