import type { AlertProvider } from '../../generated/prisma/client.ts';
import type { AlertMessage, AlertSettings, TransportContext } from '../types.ts';
import type { SettingsSchema } from './setting.ts';

/**
 * A fixed endpoint of a provider (its public API), set by the operator and never by a channel, so it is trusted and
 * not subject to the SSRF guard: a self-hosted gateway may sit on a private network without private targets being
 * allowed for all. The variable is read by `config.ts` and must have a row in the README's configuration table.
 */
export interface EndpointSpec {
  env: `UPTOP_${string}`;
  default: string;
}

/** What a provider's `send` sees: its own endpoints, by the names it declared, already resolved from the environment. */
export interface ProviderContext<E extends string> extends TransportContext {
  endpoints: Readonly<Record<E, string>>;
}

/** Everything about one alert provider, declared in its own file (as Gatus' `alerting/provider/<name>/`). */
export interface ProviderDefinition<E extends string = string> {
  readonly provider: AlertProvider;
  /** A channel's settings, checked when it is saved (`settings.ts` turns the issues into field errors). */
  readonly settings: SettingsSchema;
  /** Settings keys that are safe to show; every other value is treated as a secret (an allow-list, as in Go). */
  readonly visibleKeys: readonly string[];
  readonly endpoints?: Readonly<Record<E, EndpointSpec>>;
  /**
   * Declared by a service that keeps an incident open until told to close it (PagerDuty, Opsgenie): only such channels
   * get `ssl_renewed`, which closes the SSL warning's incident (elsewhere a renewal would be a message nobody asked
   * for; the Go original sends none), and the closes of incidents uptop stops watching. It names where a channel's
   * incidents live (an account, a region): an edit that changes it moves them (the close goes to the old home).
   */
  readonly incidentHome?: (settings: AlertSettings) => string;
  /** Throws an Error on failure; the registry cuts the channel's secrets out of its message. */
  send(settings: AlertSettings, alert: AlertMessage, ctx: ProviderContext<E>): Promise<void>;
}

/** Types a provider's declaration, so `send` knows the names of the endpoints it declared. */
export function defineProvider<E extends string = never>(definition: ProviderDefinition<E>): ProviderDefinition<E> {
  return definition;
}
