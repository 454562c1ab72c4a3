import type { Permissions } from '../../auth/roles.ts';
import { AppError, ConflictError, ForbiddenError, InvalidCredentialsError, NotFoundError, RateLimitedError, ValidationError } from '../../services/errors.ts';
import { builder, type BuilderTypes } from '../builder.ts';
import type { GraphQLContext } from '../context.ts';
import { globalId, targetId } from '../ids.ts';

/** Every typed failure implements `Error { message }` (API.md), so clients can always select `... on Error`. */
export const ErrorInterface = builder.interfaceRef<AppError>('Error').implement({
  description: 'An expected failure of a mutation, returned in its result union.',
  fields: (t) => ({ message: t.exposeString('message') }),
});

builder.objectType(ValidationError, {
  name: 'ValidationError',
  description: 'An input value is unusable; nothing was written.',
  interfaces: [ErrorInterface],
  fields: (t) => ({ field: t.exposeString('field', { description: 'The input field, e.g. `url` or `settings.url`.' }) }),
});

builder.objectType(NotFoundError, {
  name: 'NotFoundError',
  description: 'The object the mutation names does not exist.',
  interfaces: [ErrorInterface],
  fields: () => ({}),
});

builder.objectType(ConflictError, {
  name: 'ConflictError',
  description: 'The request contradicts the current state (a taken username, the last admin, an ended window).',
  interfaces: [ErrorInterface],
  fields: () => ({}),
});

builder.objectType(ForbiddenError, {
  name: 'ForbiddenError',
  description: 'Not allowed the way you signed in, e.g. with an API token where a session is needed; nothing was changed.',
  interfaces: [ErrorInterface],
  fields: () => ({}),
});

builder.objectType(InvalidCredentialsError, {
  name: 'InvalidCredentialsError',
  description: 'Unknown user or wrong password (deliberately not told apart).',
  interfaces: [ErrorInterface],
  fields: () => ({}),
});

builder.objectType(RateLimitedError, {
  name: 'RateLimitedError',
  description: 'Too many attempts from this client; try again later.',
  interfaces: [ErrorInterface],
  fields: (t) => ({ retryAfterSeconds: t.exposeInt('retryAfterSeconds') }),
});

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
    errors?: (new (...args: never[]) => AppError)[];
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
