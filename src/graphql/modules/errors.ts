import {
  type AppError,
  ConflictError,
  ForbiddenError,
  InvalidCredentialsError,
  NotFoundError,
  RateLimitedError,
  ValidationError,
  type FieldIssue,
} from '../../services/errors.ts';
import { builder } from '../builder.ts';

/** Every typed failure implements `Error { message }` (API.md), so clients can always select `... on Error`. */
export const ErrorInterface = builder.interfaceRef<AppError>('Error').implement({
  description: 'An expected failure of a mutation, returned in its result union.',
  fields: (t) => ({ message: t.exposeString('message') }),
});

const FieldIssueRef = builder.objectRef<FieldIssue>('FieldIssue').implement({
  description: 'One unusable input value.',
  fields: (t) => ({
    field: t.exposeString('field', { description: 'The input field, e.g. `url` or `settings.url`.' }),
    message: t.exposeString('message'),
  }),
});

builder.objectType(ValidationError, {
  name: 'ValidationError',
  description: 'Input values are unusable; nothing was written. `field` and `message` are the first of `issues`.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    field: t.exposeString('field', { description: 'The input field, e.g. `url` or `settings.url`.' }),
    issues: t.field({ type: [FieldIssueRef], description: 'Every unusable value of the input, at least one.', resolve: (e) => e.issues }),
  }),
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
