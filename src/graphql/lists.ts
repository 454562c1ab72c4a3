import type { ArgBuilder } from '@pothos/core';
import { z } from 'zod';
import { pageSize, type BuilderTypes } from './builder.ts';
import { decodeId } from './ids.ts';

/**
 * Lists that API.md fixes as plain lists (`alertChannels`, `users`, `Site.children`) and `AlertChannel.sites` stay
 * lists, so no client breaks, but are capped like connections: at most `first` items (default and maximum
 * LIST_LIMIT) in id order, starting after the item whose ID is `after`. The next page starts after the last ID seen.
 */
export const LIST_LIMIT = 100;

export interface ListArgs {
  first?: number | null;
  after?: string | number | null;
}

/** `first` and `after` for a capped list of `typename` items; both are validated before the field resolves. */
export function listArgs(arg: ArgBuilder<BuilderTypes>, typename: string) {
  return {
    first: arg.int({
      required: false,
      description: `At most this many (default and maximum ${LIST_LIMIT}).`,
      validate: pageSize,
    }),
    after: arg.id({
      required: false,
      description: `Only the ${typename}s after this one in id order: pass the last ID of the previous page.`,
      validate: z
        .union([z.string(), z.number()])
        .refine((id) => decodeId(String(id), typename) !== null, `is not a ${typename} ID`)
        .nullish(),
    }),
  };
}

/**
 * The `take` and id bound of a page. A parent plans its relations' queries before their arguments are validated,
 * so an unusable value plans the first page here and is refused when the field itself resolves.
 */
export function listWindow(args: ListArgs, typename: string): { take: number; afterId: number } {
  const take = typeof args.first === 'number' && args.first >= 0 && args.first <= LIST_LIMIT ? args.first : LIST_LIMIT;
  const afterId = args.after == null ? 0 : (decodeId(String(args.after), typename) ?? 0);
  return { take, afterId };
}
