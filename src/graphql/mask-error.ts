import { PothosValidationError } from '@pothos/core';
import { GraphQLError } from 'graphql';
import { maskError as yogaMaskError } from 'graphql-yoga';
import { SecretDecryptError } from '../alerts/crypto.ts';
import { isStoreUnavailable } from '../db/unavailable.ts';
import { UnknownSiteError } from '../engine/errors.ts';
import { EVENTS_LOST_CODE, EventsLostError } from '../engine/lost-events.ts';
import { AppError, ConflictError, InvalidCredentialsError, NotFoundError, RateLimitedError, ValidationError } from '../services/errors.ts';
import { WriterStoppedError, WritesHeldError } from '../writer/writer.ts';

interface Known {
  message: string;
  code: string;
}

const APP_CODES: [new (...args: never[]) => AppError, string][] = [
  [ValidationError, 'BAD_USER_INPUT'],
  [NotFoundError, 'NOT_FOUND'],
  [ConflictError, 'CONFLICT'],
  [InvalidCredentialsError, 'UNAUTHENTICATED'],
  [RateLimitedError, 'RATE_LIMITED'],
];

/** Errors whose message is safe and useful to show; null for everything else (masked). */
function knownError(err: unknown): Known | null {
  if (err instanceof AppError) {
    const code = APP_CODES.find(([type]) => err instanceof type)?.[1] ?? 'BAD_REQUEST';
    return { message: err.message, code };
  }
  if (err instanceof UnknownSiteError) return { message: 'Site not found', code: 'NOT_FOUND' };
  if (err instanceof WriterStoppedError) return { message: 'the server is shutting down; try again shortly', code: 'SERVICE_UNAVAILABLE' };
  if (err instanceof EventsLostError) return { message: err.message, code: EVENTS_LOST_CODE };
  if (err instanceof SecretDecryptError) return { message: err.message, code: 'SECRET_UNREADABLE' };
  if (isStoreUnavailable(err) || err instanceof WritesHeldError)
    return { message: 'the database is busy or cannot be written; try again', code: 'SERVICE_UNAVAILABLE' };
  if ((err as { code?: unknown } | null)?.code === 'P2002') return { message: 'it already exists', code: 'CONFLICT' };
  return null;
}

/**
 * yoga's `maskedErrors.maskError`: GraphQL errors raised on purpose (auth, validation) pass through; known failures
 * get a clear message and code; anything else is answered as "Unexpected error." with no stack, SQL or original
 * message, whatever NODE_ENV says. yoga logs every error this replaces, so it logs nothing itself.
 */
export function maskError(error: unknown, message: string): Error {
  const original = error instanceof GraphQLError ? error.originalError : error;
  // Pothos refuses unusable arguments (a malformed global ID or cursor, `before` with `first`) with this error.
  if (error instanceof GraphQLError && original instanceof PothosValidationError) {
    return new GraphQLError(original.message, { nodes: error.nodes, path: error.path, extensions: { ...error.extensions, code: 'BAD_USER_INPUT' } });
  }
  if (error instanceof GraphQLError && (!original || original instanceof GraphQLError)) return error;
  const known = knownError(original);
  if (known) {
    const at = error instanceof GraphQLError ? { nodes: error.nodes, path: error.path } : {};
    return new GraphQLError(known.message, { ...at, extensions: { code: known.code } });
  }
  return yogaMaskError(error, message, false);
}
