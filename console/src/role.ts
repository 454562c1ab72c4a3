import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Role } from './gql/graphql.ts';

/** The signed-in user's role: a VIEWER gets no edit controls (the API refuses their edits anyway). */
export const RoleContext = createContext<Role>('VIEWER');

export function useCanEdit(): boolean {
  return useContext(RoleContext) !== 'VIEWER';
}
