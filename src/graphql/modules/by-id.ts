import type { Permissions } from '../../auth/roles.ts';
import { NotFoundError, type AppError } from '../../services/errors.ts';
import { builder, type BuilderTypes } from '../builder.ts';
import type { GraphQLContext } from '../context.ts';
import { globalId, targetId } from '../ids.ts';

/* The inputs and payload of mutations that name one object by its global ID, whatever its type. */

/** `DeletePayload { deletedId }`: the global ID of what was deleted. */
export const DeletePayload = builder.objectRef<{ deletedId: string }>('DeletePayload').implement({
  fields: (t) => ({ deletedId: t.exposeID('deletedId') }),
});

export const IdInput = builder.inputType('IdInput', { fields: (t) => ({ id: t.id({ required: true }) }) });
export const DeleteInput = builder.inputType('DeleteInput', { fields: (t) => ({ id: t.id({ required: true }) }) });

/**
 * A `deleteX(input: DeleteInput!): DeletePayload` mutation: the id names the row (one that cannot is not found),
 * `remove` deletes it (throwing NotFoundError when it is gone), and the payload gives back its global ID.
 */
export function deleteMutation(
  t: PothosSchemaTypes.MutationFieldBuilder<BuilderTypes, object>,
  typename: string,
  options: {
    authScopes: Partial<Record<keyof Permissions, boolean>>;
    /** Error types besides NotFoundError. */
    errors?: (new (
      ...args: never[]
    ) => AppError)[];
    remove: (id: number, ctx: GraphQLContext) => Promise<unknown>;
  },
) {
  return t.field({
    type: DeletePayload,
    authScopes: options.authScopes,
    errors: { types: [NotFoundError, ...(options.errors ?? [])] },
    args: { input: t.arg({ type: DeleteInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const id = targetId(input.id, typename);
      await options.remove(id, ctx);
      return { deletedId: globalId(typename, id) };
    },
  });
}
