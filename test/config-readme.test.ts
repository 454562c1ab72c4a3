import fs from 'node:fs';
import { PassThrough } from 'node:stream';
import { isDeepStrictEqual } from 'node:util';
import type { Command } from 'commander';
import { buildSchema, parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../src/cli/program.ts';
import { loadConfig } from '../src/config.ts';

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

  it('documents only variables the code reads, each default as the code has it', () => {
    const sources = fs
      .readdirSync(new URL('../src', import.meta.url), { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.ts'))
      .map((file) => read(`src/${file}`))
      .join('\n');
    const table = settingsTable(read('README.md'));
    expect(table.map((row) => row.names[0])).toEqual(expect.arrayContaining(['DATABASE_URL', 'UPTOP_HTTP_PORT', 'LOG_LEVEL']));
    const documented = table.flatMap((row) => row.names);
    expect(documented.filter((name) => !new RegExp(`\\b${name}\\b`).test(sources))).toEqual([]);
    // Setting a variable to the default the table gives changes nothing: the table's default is the code's.
    const defaults = table.flatMap(({ names, defaults }) =>
      defaults.length === names.length ? names.map((name, i): [string, string] => [name, defaults[i]!]) : [],
    );
    expect(defaults.length).toBeGreaterThan(40);
    const unset = loadConfig({});
    expect(defaults.filter(([name, value]) => !isDeepStrictEqual(loadConfig({ [name]: value }), unset)).map(([name, value]) => `${name}=${value}`)).toEqual([]);
  });
});

/**
 * The rows of README's configuration table: the variables a row names in its first column, and the defaults of its
 * second when each is a literal (`8080` / `0.0.0.0`); none for a row whose default is prose (`—`, "host name and process id").
 */
function settingsTable(readme: string): { names: string[]; defaults: string[] }[] {
  const section = readme.slice(readme.indexOf('\n## Configuration\n'), readme.indexOf('\n### PostgreSQL\n'));
  return section
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => {
      const [, names = '', defaults = ''] = line.split('|').map((cell) => cell.trim());
      const literals = defaults.split(' / ').map((value) => /^`([^`]*)`$/.exec(value)?.[1]);
      return {
        names: [...names.matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((m) => m[1]!),
        defaults: literals.every((value) => value !== undefined) ? (literals as string[]) : [],
      };
    });
}

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

describe('README quick start', () => {
  it('names each Debian package `npm test` installs (scripts/system-deps.sh)', () => {
    const packages = [...read('scripts/system-deps.sh').matchAll(/missing\+=\(([\w.+-]+)\)/g)].map((m) => m[1]!);
    expect(packages).toEqual(expect.arrayContaining(['iputils-ping', 'chromium']));
    const readme = read('README.md');
    const quickStart = readme.slice(readme.indexOf('\n## Quick start\n'), readme.indexOf('\n## Using it\n'));
    expect(packages.filter((name) => !quickStart.includes(`\`${name}\``))).toEqual([]);
  });
});

describe('README GraphQL examples', () => {
  it('are operations the schema takes, as printed', () => {
    const schema = buildSchema(read('schema.graphql'));
    const operations = readmeOperations(read('README.md'));
    expect(operations.map((op) => op.trimStart().split(/[\s({]/)[0])).toEqual(expect.arrayContaining(['mutation', 'subscription', '']));
    const problems = operations.flatMap((op) => validate(schema, parse(op)).map((error) => `${error.message} in: ${op}`));
    expect(problems).toEqual([]);
  });
});

/**
 * Every GraphQL operation README prints: each ```graphql block, and each `query`, `mutation` or `subscription`
 * operation written out in another block (a curl body, a comment, a script's string), its braces balanced.
 */
function readmeOperations(readme: string): string[] {
  const operations: string[] = [];
  for (const [, lang, block] of readme.matchAll(/```(\w+)\n([\s\S]*?)```/g)) {
    if (lang === 'graphql') {
      operations.push(block!);
      continue;
    }
    // A query inside a JSON body escapes its quotes.
    const text = block!.replaceAll('\\"', '"');
    for (const match of text.matchAll(/\b(?:query|mutation|subscription)\b(?:\s*\([^)]*\))?\s*\{/g)) {
      let depth = 0;
      let end = match.index + match[0].length - 1;
      do {
        const char = text[end++];
        if (char === '{') depth++;
        else if (char === '}') depth--;
      } while (depth > 0 && end < text.length);
      operations.push(text.slice(match.index, end));
    }
  }
  return operations;
}
