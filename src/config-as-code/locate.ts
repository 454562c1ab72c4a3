import { isMap, isNode, isScalar, type Document, type LineCounter } from 'yaml';

/** A step of a path into the file: a mapping key or a list index. */
export type PathItem = string | number;

/** `monitors[2].headers.X-Key`: how a path is written in messages. */
export function pathText(path: readonly PathItem[]): string {
  return path.reduce<string>((text, item) => (typeof item === 'number' ? `${text}[${item}]` : text ? `${text}.${item}` : item), '');
}

/** Finds the line of a path in the parsed YAML document, from the node ranges the `yaml` package keeps. */
export class SourceMap {
  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  lineAt(offset: number): number {
    return this.lines.linePos(offset).line;
  }

  /**
   * The line of the value at `path`; with `key`, of that key in the mapping at `path` (an unknown field). A value in
   * a mapping is found at its key, so a nested mapping is placed at its name, not at its first entry. A path that is
   * not in the file (a missing field) gets the line of its nearest ancestor, the object that lacks it.
   */
  lineOf(path: readonly PathItem[], key?: string): number | null {
    const full = key === undefined ? path : [...path, key];
    for (let n = full.length; n >= 0; n--) {
      const last = full[n - 1];
      const parent = n > 0 ? this.nodeAt(full.slice(0, n - 1)) : undefined;
      if (typeof last === 'string' && isMap(parent)) {
        const pair = parent.items.find((p) => isScalar(p.key) && String(p.key.value) === last);
        if (isNode(pair?.key) && pair.key.range) return this.lineAt(pair.key.range[0]);
        continue;
      }
      const node = this.nodeAt(full.slice(0, n));
      if (isNode(node) && node.range) return this.lineAt(node.range[0]);
    }
    return null;
  }

  private nodeAt(path: readonly PathItem[]): unknown {
    return path.length ? this.doc.getIn(path, true) : this.doc.contents;
  }
}
