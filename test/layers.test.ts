import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(import.meta.dirname, '../src');
const GRAPHQL = path.join(SRC, 'graphql');
/** The composition root wires the schema and its endpoint into the server: the one file allowed to know both. */
const COMPOSITION_ROOT = path.join(SRC, 'app.ts');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true }).flatMap((entry) => {
    const file = path.join(entry.parentPath, entry.name);
    return entry.isFile() && file.endsWith('.ts') && !file.startsWith(path.join(SRC, 'generated')) ? [file] : [];
  });
}

/** Every module a file imports or re-exports, static or dynamic, resolved to an absolute path when relative. */
function importsOf(file: string): string[] {
  const { importedFiles } = ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true);
  return importedFiles.map(({ fileName }) => (fileName.startsWith('.') ? path.resolve(path.dirname(file), fileName) : fileName));
}

const inside = (dir: string, file: string) => file === dir || file.startsWith(dir + path.sep);

describe('dependency direction', () => {
  it('sees the imports of the files it checks', () => {
    expect(importsOf(path.join(GRAPHQL, 'context.ts'))).toContain(path.join(SRC, 'deps.ts'));
  });

  it('no module outside src/graphql imports from it, except the composition root', () => {
    const offenders = sourceFiles(SRC)
      .filter((file) => !inside(GRAPHQL, file) && file !== COMPOSITION_ROOT)
      .flatMap((file) =>
        importsOf(file)
          .filter((target) => inside(GRAPHQL, target))
          .map((target) => `${path.relative(SRC, file)} -> ${path.relative(SRC, target)}`),
      );
    expect(offenders).toEqual([]);
  });
});
