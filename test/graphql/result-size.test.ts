import { readFileSync } from 'node:fs';
import { buildSchema, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import * as consoleDocuments from '../../console/src/gql/graphql.ts';
import { loadConfig } from '../../src/config.ts';
import { resultSize } from '../../src/graphql/result-size.ts';

const schema = buildSchema(readFileSync(new URL('../../schema.graphql', import.meta.url), 'utf8'));
const size = (query: string, variables: Record<string, unknown> = {}) => resultSize(schema, parse(query), undefined, variables);

describe('resultSize', () => {
  it('multiplies each list by the page it asks for, counting a connection page once', () => {
    expect(size('{ sites(first: 10) { edges { node { id name } } } }')).toBe(1 + 10 * (1 + 1 + 2));
    expect(size('query($n: Int) { sites(first: $n) { edges { node { id } } } }', { n: 3 })).toBe(1 + 3 * (1 + 1 + 1));
    expect(size('{ sites(last: 2) { edges { node { id } } } }')).toBe(1 + 2 * 3);
  });

  it('counts a list without a page size at its cap, and dailyUptime at its days', () => {
    expect(size('{ sites(first: 1) { edges { node { alertChannels { id } } } } }')).toBe(1 + 1 * (1 + 1 + (1 + 100)));
    expect(size('{ sites(first: 1) { edges { node { dailyUptime(days: 366) { date } } } } }')).toBe(1 + (1 + 1 + (1 + 366)));
    expect(size('{ sites(first: 1) { edges { node { dailyUptime { date } } } } }')).toBe(1 + (1 + 1 + (1 + 30)));
  });

  it('follows fragments and inline fragments', () => {
    const viaFragment = size('{ sites(first: 2) { edges { node { ...F } } } } fragment F on Site { alertChannels { id } }');
    expect(viaFragment).toBe(size('{ sites(first: 2) { edges { node { ... on Site { alertChannels { id } } } } } }'));
    expect(viaFragment).toBe(1 + 2 * (1 + 1 + (1 + 100)));
  });

  it('leaves every operation of the console far under the default limit', () => {
    const { maxResultSize } = loadConfig({}).graphql;
    for (const [name, document] of Object.entries(consoleDocuments)) {
      if (!name.endsWith('Document')) continue;
      expect(resultSize(schema, document as never, undefined, { first: 100, last: 100, days: 366 }), name).toBeLessThan(maxResultSize / 10);
    }
  });
});

describe('resultSize on hostile documents', () => {
  it('stops past its limit, even for fragments that spread each other twice over', () => {
    const levels = 60;
    const fragments = Array.from({ length: levels }, (_, i) =>
      i === levels - 1
        ? `fragment F${i} on Query { __typename }`
        : `fragment F${i} on Query { ...F${i + 1} a${i}: engineStatus { checksPerMinute } ...F${i + 1} }`,
    );
    const document = parse(`{ ...F0 } ${fragments.join(' ')}`);
    expect(resultSize(schema, document, undefined, {}, 1000)).toBeGreaterThan(1000);
  });
});
