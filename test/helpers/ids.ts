import { decodeGlobalID } from '@pothos/plugin-relay';

export { globalId } from '../../src/graphql/ids.ts';

/** What a global ID names: `{ typename: 'Site', id: '1' }`. */
export function parseGlobalId(id: string): { typename: string; id: string } {
  return decodeGlobalID(id);
}
