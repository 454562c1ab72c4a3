import type { CodegenConfig } from '@graphql-codegen/cli';

/** The client preset as both the tests and the console use it. */
const clientPreset = {
  preset: 'client',
  presetConfig: { fragmentMasking: false },
  config: {
    useTypeImports: true,
    enumsAsTypes: true,
    scalars: { DateTime: 'string', JSON: 'unknown', ID: 'string' },
  },
} as const;

/**
 * Typed documents: reads the committed `schema.graphql` (printed from the Pothos schema by `npm run schema:print`) and
 * every `graphql(...)` document under test/ and console/src/, and writes the client preset to test/gql/ and
 * console/src/gql/. The output is generated (postinstall), not committed.
 */
const config: CodegenConfig = {
  schema: 'schema.graphql',
  ignoreNoDocuments: true,
  // Only `graphql(...)` calls are typed documents; plain `/* GraphQL */` strings in other tests stay untyped.
  pluckConfig: { gqlMagicComment: 'typed-document', globalGqlIdentifierName: ['graphql'] },
  importExtension: '.ts',
  generates: {
    'test/gql/': { ...clientPreset, documents: ['test/**/*.ts', '!test/gql/**'] },
    'console/src/gql/': { ...clientPreset, documents: ['console/src/**/*.{ts,tsx}', '!console/src/gql/**'] },
  },
};

export default config;
