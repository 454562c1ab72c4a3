import type { AlertProvider } from '../../generated/prisma/client.ts';
import { scrubSecrets, secretValues } from '../redact.ts';
import type { AlertProviderImpl } from '../types.ts';
import { discord } from './discord.ts';
import { email } from './email.ts';
import { gotify } from './gotify.ts';
import { matrix } from './matrix.ts';
import { ntfy } from './ntfy.ts';
import { opsgenie } from './opsgenie.ts';
import { pagerduty } from './pagerduty.ts';
import { pushover } from './pushover.ts';
import { slack } from './slack.ts';
import { teams } from './teams.ts';
import { telegram } from './telegram.ts';
import { webhook } from './webhook.ts';

const IMPLEMENTATIONS: Record<AlertProvider, AlertProviderImpl> = {
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

/**
 * Error messages end up in alert health, logs and the API. Whatever a library put in its message,
 * the channel's secret settings are cut out of it, and the error's cause chain is left behind.
 */
function withSecretsScrubbed(impl: AlertProviderImpl): AlertProviderImpl {
  return {
    provider: impl.provider,
    async send(settings, alert, ctx) {
      try {
        await impl.send(settings, alert, ctx);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        throw new Error(scrubSecrets(message, secretValues(impl.provider, settings)));
      }
    },
  };
}

const PROVIDERS = Object.fromEntries(
  Object.entries(IMPLEMENTATIONS).map(([name, impl]) => [name, withSecretsScrubbed(impl)]),
) as Record<AlertProvider, AlertProviderImpl>;

export function getProvider(provider: AlertProvider): AlertProviderImpl {
  const impl = Object.hasOwn(PROVIDERS, provider) ? PROVIDERS[provider] : undefined;
  if (!impl) throw new Error(`unknown alert provider "${provider}"`);
  return impl;
}
