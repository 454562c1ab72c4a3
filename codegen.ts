import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Typed documents for the tests: reads the committed `schema.graphql` (printed from the Pothos schema by
 * `npm run schema:print`) and every `graphql(...)` document under test/, and writes the client preset to test/gql/.
 * The output is generated (postinstall), not committed.
 */
const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['test/**/*.ts', '!test/gql/**'],
  ignoreNoDocuments: true,
  // Only `graphql(...)` calls are typed documents; plain `/* GraphQL */` strings in other tests stay untyped.
  pluckConfig: { gqlMagicComment: 'typed-document', globalGqlIdentifierName: ['graphql'] },
  importExtension: '.ts',
  generates: {
    'test/gql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: { DateTime: 'string', JSON: 'unknown', ID: 'string' },
      },
    },
  },
};

export default config;
