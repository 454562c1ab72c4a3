import fs from 'node:fs';
import { PassThrough } from 'node:stream';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../src/cli/program.ts';

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

/** Every command of `program`, by its path (`user add`), the program itself as ''. */
function commandsOf(program: Command, prefix = ''): Map<string, Command> {
  const found = new Map<string, Command>([[prefix, program]]);
  for (const sub of program.commands) for (const [path, command] of commandsOf(sub, `${prefix} ${sub.name()}`.trim())) found.set(path, command);
  return found;
}

/**
 * Each `uptop …` (or `bin/uptop.js …`) in the README's shell blocks: the command path its words name, and the options
 * written after it, in the code or in the comment beside it (`# also --version, -v`).
 */
function readmeUses(readme: string, commands: Map<string, Command>): { line: string; path: string; options: string[] }[] {
  const uses: { line: string; path: string; options: string[] }[] = [];
  for (const [, block] of readme.matchAll(/```sh\n([\s\S]*?)```/g)) {
    for (const line of block!.split('\n')) {
      const [code = '', comment = ''] = line.split(/\s#\s/);
      for (const match of code.matchAll(/(?<![\w-])uptop(?:\.js)?(?![\w.-])((?:\s+[^\s#|)\\]+)*)/g)) {
        const words = match[1]!.trim().split(/\s+/).filter(Boolean);
        let path = '';
        for (const word of words) {
          const next = `${path} ${word}`.trim();
          if (!commands.has(next)) break;
          path = next;
        }
        if (!path && words[0] && !words[0].startsWith('-')) continue; // `docker compose exec uptop node …`: the service
        const options = [...words, ...(comment.match(/(?<![\w-])--?[a-z][\w-]*/g) ?? [])]
          .filter((word) => /^\[?-/.test(word))
          .map((word) => word.replace(/^\[/, '').replace(/[\],=].*$/, ''));
        uses.push({ line, path, options });
      }
    }
  }
  return uses;
}

describe('README command line', () => {
  const program = buildProgram({ stdin: process.stdin, stdout: new PassThrough(), stderr: new PassThrough() });
  const commands = commandsOf(program);

  it('names only commands and options that `uptop` has', () => {
    const uses = readmeUses(read('README.md'), commands);
    expect(uses.map((use) => use.path)).toEqual(
      expect.arrayContaining(['serve', 'user add', 'user passwd', 'token create', 'apply', 'export', 'import', 'probe', 'migrate-db']),
    );
    const known = (path: string) => new Set([...commands.get(path)!.options, ...program.options].flatMap((option) => [option.long, option.short]));
    const unknown = uses.flatMap(({ line, path, options }) => options.filter((option) => !known(path).has(option)).map((option) => `${option} in: ${line}`));
    expect(unknown).toEqual([]);
  });

  it('shows a default only where one means something: never on a flag, never twice', () => {
    const noisy = [...commands].flatMap(([path, command]) => [
      ...command.options
        .filter((option) => !option.required && !option.optional && option.defaultValue !== undefined)
        .map((option) => `${path} ${option.long}`),
      ...(/\(default: [^)]*\)\s*\(default:/.test(command.helpInformation()) ? [`${path}: two defaults`] : []),
    ]);
    expect(noisy).toEqual([]);
  });
});
