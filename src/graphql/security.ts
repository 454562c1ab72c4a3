import { useDisableIntrospection } from '@envelop/disable-introspection';
import { EnvelopArmor } from '@escape.tech/graphql-armor';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { GraphQLError, type ExecutionArgs, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Config } from '../config.ts';
import { GRAPHIQL_CONTENT_SECURITY_POLICY } from '../http/security-headers.ts';
import { ticketOf } from '../http/stream-tickets.ts';
import { resultSize } from './result-size.ts';

/**
 * The header a browser client must send with a GraphQL request whose content type a form could also produce
 * (a GET, or `text/plain`, `application/x-www-form-urlencoded`, `multipart/form-data`). Any value will do: a page
 * on another site cannot add a custom header without a CORS preflight, which is what stops CSRF. Requests with
 * `content-type: application/json` (every GraphQL client, `fetch`, curl with `-H content-type:application/json`,
 * GraphiQL) never need it.
 */
export const CSRF_HEADER = 'x-graphql-yoga-csrf';

/** Directives per operation; the schema has none of its own, so this only bounds abuse. */
const MAX_DIRECTIVES = 50;

/** `extensions.code` of every operation refused by a size limit; `extensions.limit` says which one. */
export const QUERY_TOO_COMPLEX = 'QUERY_TOO_COMPLEX';

type Limit = 'depth' | 'cost' | 'aliases' | 'tokens' | 'directives' | 'size';

function tooComplex(message: string, limit: Limit, max: number): GraphQLError {
  return new GraphQLError(message, { extensions: { code: QUERY_TOO_COMPLEX, limit, max } });
}

/**
 * graphql-armor reports a rejection as a bare "Syntax Error: ..." GraphQLError, which clients cannot tell from a
 * typo. Its `onReject` hook sees the error before it is thrown; throwing a coded one there replaces it (with
 * `propagateOnRejection` off, armor would otherwise carry on and throw nothing).
 */
function rejectWithCode(limit: Limit, max: number) {
  return {
    n: max,
    propagateOnRejection: false,
    onReject: [
      (_ctx: unknown, err: GraphQLError) => {
        throw tooComplex(err.message.replace(/^Syntax Error: /, ''), limit, max);
      },
    ],
  };
}

/**
 * The plugins that make the GraphQL endpoint safe to expose. All but CSRF prevention are envelop hooks
 * (parse/validate), so they also run for graphql-ws operations built on `yoga.getEnveloped` (see ws.ts):
 * `@envelop/disable-introspection` is used rather than yoga's own plugin because yoga's hooks the HTTP request
 * and would leave introspection open over WebSocket. CSRF prevention is HTTP-only by nature; ws.ts checks
 * `Origin` at the WebSocket handshake instead.
 */
export function securityPlugins(config: Config): Plugin[] {
  const { graphql } = config;
  const { n: maxCost, ...cost } = rejectWithCode('cost', graphql.maxCost);
  const armor = new EnvelopArmor({
    maxDepth: { ...rejectWithCode('depth', graphql.maxDepth), flattenFragments: true },
    costLimit: { maxCost, ...cost },
    maxAliases: rejectWithCode('aliases', graphql.maxAliases),
    maxTokens: rejectWithCode('tokens', graphql.maxTokens),
    maxDirectives: rejectWithCode('directives', MAX_DIRECTIVES),
    blockFieldSuggestion: { enabled: true },
  });
  // Envelop plugins are typed for a bare context; yoga runs them with its own, which has every field they read.
  const envelopPlugins = [...armor.protect().plugins, ...(graphql.introspection ? [] : [useDisableIntrospection()])] as Plugin[];
  return [...envelopPlugins, resultSizeLimit(graphql.maxResultSize), csrfPrevention(), graphiqlPolicy()];
}

/** GraphiQL's page, the one HTML answer of /graphql, gets the policy that lets its inline script and style run. */
function graphiqlPolicy(): Plugin {
  return {
    onResponse({ response }) {
      if (response.headers.get('content-type')?.startsWith('text/html')) response.headers.set('content-security-policy', GRAPHIQL_CONTENT_SECURITY_POLICY);
    },
  };
}

/**
 * Refuses an operation that could return more than `max` objects (result-size.ts) before it runs. It needs the
 * variables (a page size may be one), so it runs at execute and subscribe rather than with armor's parse checks.
 */
function resultSizeLimit(max: number): Plugin {
  const check = ({ args, setResultAndStopExecution }: { args: ExecutionArgs; setResultAndStopExecution(result: ExecutionResult): void }) => {
    const size = resultSize(args.schema, args.document, args.operationName, args.variableValues ?? {}, max);
    if (size > max) {
      setResultAndStopExecution({ errors: [tooComplex(`Result size limit of ${max} exceeded: this operation could return more objects.`, 'size', max)] });
    }
  };
  return { onExecute: check, onSubscribe: check };
}

/**
 * yoga's CSRF prevention, except for an SSE request that carries a stream ticket: `EventSource` can send no header,
 * and the ticket is the proof the header would be (only a caller holding a bearer token can mint one, and a page
 * on another site cannot read it). A request whose ticket is not valid runs signed out.
 */
function csrfPrevention(): Plugin {
  const csrf = useCSRFPrevention({ requestHeaders: [CSRF_HEADER] });
  return {
    onRequestParse(payload) {
      const { request } = payload;
      if (request.headers.get('accept')?.includes('text/event-stream') && ticketOf(request.url)) return;
      return csrf.onRequestParse?.(payload);
    },
  };
}
