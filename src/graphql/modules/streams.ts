import { GraphQLError } from 'graphql';
import { RateLimitedError } from '../../services/errors.ts';
import { STREAM_TICKET_TTL_MS } from '../../http/stream-tickets.ts';
import { builder } from '../builder.ts';

const StreamTicketPayload = builder.objectRef<{ ticket: string; expiresAt: Date }>('StreamTicketPayload').implement({
  fields: (t) => ({
    ticket: t.exposeString('ticket', { description: 'Pass as `/graphql?ticket=<ticket>&query=…` to open one SSE stream.' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime' }),
  }),
});

builder.mutationField('createStreamTicket', (t) =>
  t.field({
    type: StreamTicketPayload,
    description:
      `A single-use ticket, valid for ${STREAM_TICKET_TTL_MS / 1000} s, that opens one SSE stream as the caller: for ` +
      'browsers, whose EventSource can send neither Authorization nor the CSRF header.',
    authScopes: { read: true },
    errors: { types: [RateLimitedError] },
    resolve: (_root, _args, ctx) => {
      // Signed in by `login` earlier in this same operation: there is no credential sent to stand for.
      if (!ctx.authorization) throw new GraphQLError('send Authorization: Bearer <token>', { extensions: { code: 'UNAUTHENTICATED' } });
      const issued = ctx.streamTickets.issue(ctx.authorization, ctx.viewer!.userId);
      if ('retryAfterMs' in issued) throw new RateLimitedError(Math.max(1, Math.ceil(issued.retryAfterMs / 1000)));
      return issued;
    },
  }),
);
