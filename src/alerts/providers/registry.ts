import { z } from 'zod';
import type { AlertProvider } from '../../generated/prisma/client.ts';
import type { AlertEndpoints } from '../types.ts';
import { discord } from './discord.ts';
import { email } from './email.ts';
import { gotify } from './gotify.ts';
import { matrix } from './matrix.ts';
import { ntfy } from './ntfy.ts';
import { opsgenie } from './opsgenie.ts';
import { pagerduty } from './pagerduty.ts';
import { pushover } from './pushover.ts';
import type { ProviderDefinition } from './provider.ts';
import { slack } from './slack.ts';
import { teams } from './teams.ts';
import { telegram } from './telegram.ts';
import { webhook } from './webhook.ts';

/** Every provider, by its `AlertProvider` value: a new value does not compile until its file is listed here. */
const DEFINITIONS: Record<AlertProvider, ProviderDefinition> = {
  DISCORD: discord,
  SLACK: slack,
  WEBHOOK: webhook,
  EMAIL: email,
  NTFY: ntfy,
  TELEGRAM: telegram,
  PAGERDUTY: pagerduty,
  PUSHOVER: pushover,
  GOTIFY: gotify,
  OPSGENIE: opsgenie,
  TEAMS: teams,
  MATRIX: matrix,
};

export const PROVIDER_DEFINITIONS: readonly ProviderDefinition[] = Object.values(DEFINITIONS);

/** The provider's definition, or undefined for a name that is no provider (rows may hold one from a newer version). */
export function findProviderDefinition(provider: AlertProvider | string): ProviderDefinition | undefined {
  return Object.hasOwn(DEFINITIONS, provider) ? DEFINITIONS[provider as AlertProvider] : undefined;
}

const endpointEntries = PROVIDER_DEFINITIONS.flatMap((definition) =>
  Object.entries(definition.endpoints ?? {}).map(([name, spec]) => ({ provider: definition.provider, name, ...spec })),
);

/** An endpoint is posted to over HTTP: `ftp://…` started, then failed every send. */
const endpointUrl = z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' });

/**
 * Reads the providers' endpoint variables from the environment (blank ones already dropped), each a URL with the
 * provider's default, into `AlertEndpoints`. An issue's path names the variable.
 */
export const alertEndpointsFromEnv = z
  .object(Object.fromEntries(endpointEntries.map((entry) => [entry.env, endpointUrl.default(entry.default)])))
  .transform((env): AlertEndpoints => {
    const endpoints: Partial<Record<AlertProvider, Record<string, string>>> = {};
    for (const { provider, name, env: variable } of endpointEntries) {
      endpoints[provider] = { ...endpoints[provider], [name]: env[variable] as string };
    }
    return endpoints;
  });
