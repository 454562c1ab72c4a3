import { decodeGlobalID, encodeGlobalID } from '@pothos/plugin-relay';
import { NotFoundError, ValidationError } from '../services/errors.ts';

/** The global ID (`Site:1`, base64 as the relay plugin encodes it) of a row. */
export function globalId(typename: string, id: number): string {
  return encodeGlobalID(typename, id);
}

/** The row id a global ID names, or null when it is malformed or names another type. */
export function decodeId(id: string, typename: string): number | null {
  let decoded: { typename: string; id: string };
  try {
    decoded = decodeGlobalID(id);
  } catch {
    return null;
  }
  if (decoded.typename !== typename || !/^[1-9]\d{0,15}$/.test(decoded.id)) return null;
  const n = Number(decoded.id);
  return Number.isSafeInteger(n) ? n : null;
}

/**
 * A cursor this API handed out. Every connection pages by row id, which the prisma plugin writes as base64 of
 * `GPC:N:<id>`; anything else (`GPC:N:abc`, `GPC:S:1`, `GPC:J:{}`, a number past 2^53) would reach Prisma as an
 * unusable value and fail there as an internal error, so it is refused as input instead.
 */
export function isRowCursor(cursor: string): boolean {
  const id = /^GPC:N:([1-9]\d{0,15})$/.exec(Buffer.from(cursor, 'base64').toString('latin1'))?.[1];
  return id !== undefined && Number.isSafeInteger(Number(id)) && Buffer.from(`GPC:N:${id}`).toString('base64') === cursor;
}

/** A reference inside an input (`parentId`, `alertChannelIds`): a bad one is a ValidationError naming the field. */
export function referenceId(id: string, typename: string, field: string): number {
  const n = decodeId(id, typename);
  if (n === null) throw new ValidationError(field, `"${id}" is not a ${typename} id`);
  return n;
}

/** A reference an input may leave absent (unchanged) or null (cleared): those stay as they are. */
export function optionalReferenceId(id: string | number | null | undefined, typename: string, field: string): number | null | undefined {
  return id == null ? id : referenceId(String(id), typename, field);
}

/** The object a mutation acts on: an id that cannot name one is simply not found. */
export function targetId(id: string, typename: string): number {
  const n = decodeId(id, typename);
  if (n === null) throw new NotFoundError(typename);
  return n;
}

/**
 * The `findUnique` of a prismaNode: the id part of a global ID as a row id. One that is not a number (`Site:abc`)
 * becomes 0, which no row has (ids start at 1), so `node(id)` answers null instead of failing in Prisma.
 */
export function byRowId(id: string | number): { id: number } {
  return { id: /^\d{1,15}$/.test(String(id)) ? Number(id) : 0 };
}

/**
 * What every prismaNode shares: the row's `id` column behind its global ID, found with `byRowId`, and nullable so
 * that `node(id)` answers null for an id that names nothing, rather than an error.
 */
export const ROW_NODE = { id: { field: 'id' }, nullable: true, findUnique: byRowId } as const;
