import { useGraphQlJit } from '@envelop/graphql-jit';
import { BREAK, getOperationAST, Kind, TypeInfo, visit, visitWithTypeInfo, type DocumentNode, type GraphQLSchema } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** A document is compiled when it runs for the second time: most one-off queries never pay for a compilation. */
const RUNS_BEFORE_COMPILING = 1;

/**
 * Whether graphql-jit may run this document: a query, the only operation of its document, that selects no field the
 * prisma plugin plans. graphql-jit builds a fresh `info.path` for every field it resolves, and the prisma plugin
 * finds what a relation loaded by the identity of those paths: under graphql-jit, every row of a relation would load
 * again (the N+1 test counts them). Mutations and subscriptions keep the executor they were written against.
 */
export function compilable(schema: GraphQLSchema, document: DocumentNode, operationName?: string | null): boolean {
  const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  if (operations.length !== 1 || getOperationAST(document, operationName)?.operation !== 'query') return false;
  const typeInfo = new TypeInfo(schema);
  let planned = false;
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field() {
        if (typeInfo.getFieldDef()?.extensions?.pothosPrismaSelect) {
          planned = true;
          return BREAK;
        }
        return undefined;
      },
    }),
  );
  return !planned;
}

/**
 * Compiled execution (graphql-jit, through envelop's plugin) for the queries that run again and again: a dashboard's
 * page of 100 sites resolves some 12,000 fields, and the generic executor's cost per field was most of its time.
 * The plugin keeps a compiled query per document object, and yoga's parser cache hands the same object to every
 * request with the same text, so both go when yoga evicts the text.
 */
export function compiledQueries(): Plugin {
  const seen = new WeakMap<DocumentNode, { runs: number; compilable: boolean }>();
  return useGraphQlJit(
    {},
    {
      enableIf: ({ schema, document, operationName }) => {
        let entry = seen.get(document);
        if (!entry) seen.set(document, (entry = { runs: 0, compilable: compilable(schema, document, operationName) }));
        return entry.compilable && entry.runs++ >= RUNS_BEFORE_COMPILING;
      },
    },
  ) as Plugin;
}
