import type { AlertProvider } from '../../generated/prisma/client.ts';
import { AlertHttpError } from '../rate-limit.ts';
import { scrubSecrets, secretValues } from '../redact.ts';
import type { AlertProviderImpl } from '../types.ts';
import type { ProviderDefinition } from './provider.ts';
import { PROVIDER_DEFINITIONS } from './registry.ts';
import { truncate } from './truncate.ts';

/** The longest error message kept, once its secrets are cut out: a service's whole answer would not fit. */
const ERROR_MESSAGE_LIMIT = 400;

/**
 * Hands the provider its own endpoints, and scrubs its errors: error messages end up in alert health, logs and the
 * API, so whatever a library put in its message, the channel's secret settings are cut out of it, and the error's
 * cause chain is left behind.
 */
function toImplementation(definition: ProviderDefinition): AlertProviderImpl {
  const { provider } = definition;
  return {
    provider,
    incidentHome: definition.incidentHome,
    async send(settings, alert, ctx) {
      try {
        await definition.send(settings, alert, { ...ctx, endpoints: ownEndpoints(definition, ctx.endpoints[provider]) });
      } catch (err) {
        const message = truncate(scrubSecrets(err instanceof Error ? err.message : String(err), secretValues(provider, settings)), ERROR_MESSAGE_LIMIT);
        // A service's HTTP answer keeps its status and Retry-After, which the dispatcher reads.
        throw err instanceof AlertHttpError ? new AlertHttpError(message, err.status, err.retryAfter) : new Error(message);
      }
    },
  };
}

function ownEndpoints(definition: ProviderDefinition, given: Readonly<Record<string, string>> = {}): Readonly<Record<string, string>> {
  for (const name of Object.keys(definition.endpoints ?? {})) {
    if (typeof given[name] !== 'string') throw new Error(`${definition.provider} endpoint "${name}" is not configured`);
  }
  return given;
}

const PROVIDERS = new Map(PROVIDER_DEFINITIONS.map((definition) => [definition.provider, toImplementation(definition)]));

export function getProvider(provider: AlertProvider): AlertProviderImpl {
  const impl = PROVIDERS.get(provider);
  if (!impl) throw new Error(`unknown alert provider "${provider}"`);
  return impl;
}
