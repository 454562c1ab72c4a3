import SchemaBuilder from '@pothos/core';
import ErrorsPlugin from '@pothos/plugin-errors';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import ValidationPlugin from '@pothos/plugin-validation';
import { GraphQLError, GraphQLScalarType, isObjectType, type GraphQLSchema } from 'graphql';
import { DateTimeResolver, JSONResolver } from 'graphql-scalars';
import { z } from 'zod';
import type { Permissions } from '../auth/roles.ts';
import { permissionsOf } from '../auth/roles.ts';
import { isStorableDate, STORABLE_DATE_RANGE } from '../db/sql-date.ts';
import type PrismaTypes from '../generated/pothos-types.ts';
import { getDatamodel } from '../generated/pothos-types.ts';
import type { GraphQLContext } from './context.ts';
import { isRowCursor } from './ids.ts';

/** API.md: `first` is at most 100 on every connection, and more is an error rather than quietly less. */
const MAX_PAGE_SIZE = 100;
/** Validates `first`/`last` on connections and on the other lists that take a `first` (logs). */
export const pageSize = z.number().int().min(0, 'must not be negative').max(MAX_PAGE_SIZE, `must be at most ${MAX_PAGE_SIZE}`).nullish();

/**
 * A connection's arguments together: `first` and `last` at once, which the Relay spec only discourages, took `last`
 * rows where `first` asked for fewer; a page is asked for from one end.
 */
export const pageArgs = z
  .looseObject({ first: z.unknown(), last: z.unknown() })
  .refine((args) => args.first == null || args.last == null, { message: 'cannot be given with first: ask for a page from one end', path: ['last'] });

/** Validates `after`/`before` on every connection, before its resolver (or Prisma) sees the value. */
const cursorArg = z.string().refine(isRowCursor, 'is not a cursor of this connection').nullish();

/** A Node type of the schema: `node(id)` with a well-formed id of any other type names nothing. */
function isNodeType(schema: GraphQLSchema, typename: string): boolean {
  const type = schema.getType(typename);
  return isObjectType(type) && type.getInterfaces().some((iface) => iface.name === 'Node');
}

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/**
 * Fields are non-null unless marked `nullable`, so the printed schema carries API.md's `!` marks without a
 * `nullable: false` on every field; the few nullable fields say so where they are defined.
 */
export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  PrismaTypes: PrismaTypes;
  AuthScopes: { [K in keyof Permissions]: boolean };
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    JSON: { Input: unknown; Output: unknown };
    ID: { Input: string; Output: string | number };
  };
  DefaultFieldNullability: false;
  DefaultEdgesNullability: { list: false; items: false };
  DefaultNodeNullability: false;
}>({
  // scope-auth first so authorization wraps everything else; errors before prisma (plugin docs).
  plugins: [ScopeAuthPlugin, ErrorsPlugin, PrismaPlugin, RelayPlugin, ValidationPlugin],
  defaultFieldNullability: false,
  scopeAuth: {
    // Subscriptions are authorized once when they start, not again for every event (fan-out cost).
    authorizeOnSubscribe: true,
    authScopes: (ctx) => permissionsOf(ctx.viewer),
    unauthorizedError: (_parent, ctx) =>
      ctx.viewer
        ? new GraphQLError(ctx.viewer.readOnly ? 'not allowed with a read-only API token or for your role' : 'not allowed for your role', {
            extensions: { code: 'FORBIDDEN' },
          })
        : new GraphQLError('authentication required: send Authorization: Bearer <token>', { extensions: { code: 'UNAUTHENTICATED' } }),
  },
  errors: {
    directResult: true,
    defaultUnionOptions: { name: ({ fieldName }) => `${capitalize(fieldName)}Result` },
  },
  prisma: {
    client: (ctx) => ctx.db,
    dmmf: getDatamodel(),
    filterConnectionTotalCount: true,
    // Resolvers that answer null for an unusable id skip the query on purpose; the N+1 tests count queries instead.
    onUnusedQuery: null,
  },
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    edgesFieldOptions: { nullable: { list: false, items: false } },
    nodeFieldOptions: { nullable: false },
    nodeQueryOptions: {
      authScopes: { read: true },
      resolve: (_root, args, _ctx, info, resolveNode) => (isNodeType(info.schema, args.id.typename) ? resolveNode(args.id) : null),
    },
    nodesQueryOptions: false,
    firstArgOptions: { validate: pageSize },
    lastArgOptions: { validate: pageSize },
    afterArgOptions: { validate: cursorArg },
    beforeArgOptions: { validate: cursorArg },
  },
  validation: {
    validationError: (failure) =>
      new GraphQLError(
        failure.issues
          .map((issue) => `${(issue.path ?? []).map((p) => String(typeof p === 'object' ? p.key : p)).join('.') || 'argument'} ${issue.message}`)
          .join('; '),
        { extensions: { code: 'BAD_USER_INPUT' } },
      ),
  },
});

/** graphql-scalars' DateTime, refusing an instant the stores cannot keep (see isStorableDate). */
function storable(date: Date): Date {
  if (!isStorableDate(date)) throw new GraphQLError(`DateTime ${STORABLE_DATE_RANGE}: ${date.toISOString()}`);
  return date;
}

builder.addScalarType(
  'DateTime',
  new GraphQLScalarType({
    ...DateTimeResolver.toConfig(),
    // Text, not the Date: JSON.stringify leaves its fast path for every Date's toJSON. For the 6,000 Dates of the
    // console's dashboard page (its recent checks' times), writing the Dates took 7 ms, making their text and writing
    // it 4 ms. graphql-scalars checks the value first.
    serialize: (value) => DateTimeResolver.serialize(value).toISOString(),
    parseValue: (value) => storable(DateTimeResolver.parseValue(value)),
    // One parameter: graphql-jit warns of, and does not support, a parseLiteral that reads variables (a DateTime literal has none).
    parseLiteral: (ast) => storable(DateTimeResolver.parseLiteral(ast)),
  }),
);
builder.addScalarType('JSON', JSONResolver);

builder.queryType();
builder.mutationType();
builder.subscriptionType();

export type BuilderTypes = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;
