import { AppError, ConflictError, RateLimitedError, ValidationError } from '../../services/errors.ts';
import { builder } from '../builder.ts';
import { ErrorInterface } from './errors.ts';

/** The push token matches no push monitor, or the engine is not running (the same answer as `/api/push`'s 404). */
export class InvalidPushTokenError extends AppError {
  override name = 'InvalidPushTokenError';
  constructor() {
    super('invalid push token');
  }
}

builder.objectType(InvalidPushTokenError, {
  name: 'InvalidPushTokenError',
  description: 'The push token matches no push monitor, or monitoring is not running.',
  interfaces: [ErrorInterface],
  fields: () => ({}),
});

const HeartbeatInput = builder.inputType('HeartbeatInput', {
  fields: (t) => ({ token: t.string({ required: true, description: "The push monitor's token (`Site.pushToken`)." }) }),
});

const HeartbeatPayload = builder.objectRef<{ siteId: number }>('HeartbeatPayload').implement({
  fields: (t) => ({
    ok: t.boolean({ resolve: () => true }),
    site: t.prismaField({
      type: 'Site',
      nullable: true,
      description:
        'The push monitor that received the beat; null for a caller that is not signed in, since a push token ' +
        'lives in scripts on monitored hosts and must not open the rest of the graph (other sites, channels).',
      authScopes: { read: true },
      unauthorizedResolver: () => null,
      resolve: (query, payload, _args, ctx) => ctx.db.site.findUnique({ ...query, where: { id: payload.siteId } }),
    }),
  }),
});

builder.mutationField('heartbeat', (t) =>
  t.field({
    type: HeartbeatPayload,
    description:
      'Records a push heartbeat, as `GET/POST /api/push` does. Needs no login: the push token is the credential. ' +
      'Accepted beats are rate-limited per token, failed attempts per client IP. Sent to an instance that does not ' +
      'check the monitor, the beat is handed to the one that does; a ConflictError when it could not be: retry.',
    args: { input: t.arg({ type: HeartbeatInput, required: true }) },
    errors: { types: [ValidationError, InvalidPushTokenError, RateLimitedError, ConflictError] },
    resolve: async (_root, { input }, ctx) => {
      const outcome = await ctx.heartbeat.push(input.token, ctx.clientKey);
      switch (outcome.status) {
        case 'ok':
          return { siteId: outcome.siteId };
        case 'missing':
          throw new ValidationError('token', 'a push token is required');
        case 'invalid':
          throw new InvalidPushTokenError();
        case 'limited':
          throw new RateLimitedError(Math.max(1, Math.ceil(outcome.retryAfterMs / 1000)));
        case 'unavailable':
          throw new ConflictError('the beat could not be handed to the instance that checks this monitor; retry');
      }
    },
  }),
);
