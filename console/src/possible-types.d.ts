/** Built by console/vite.config.ts from schema.graphql: each interface and union, with its object types. */
declare module 'virtual:possible-types' {
  const possibleTypes: Record<string, string[]>;
  export default possibleTypes;
}
