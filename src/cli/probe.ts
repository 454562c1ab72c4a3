import { systemClock } from '../clock.ts';
import { loadConfig } from '../config.ts';
import { runCheck } from '../engine/checks/index.ts';
import { createLogger } from '../log.ts';
import { ProbeAgent } from '../probes/agent.ts';
import { registerBody } from '../probes/wire.ts';
import { UsageError } from './errors.ts';
import { VERSION } from './version.ts';

export interface ProbeOptions {
  server: string;
  nodeId: string;
  region: string;
  name?: string;
  token?: string;
}

/** The server URL as given, refused unless it is an absolute http(s) URL without a query. */
function serverUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`--server: expected an http:// or https:// URL such as https://uptop.example.com (got "${raw}")`);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash) {
    throw new UsageError(`--server: expected an http:// or https:// URL such as https://uptop.example.com (got "${raw}")`);
  }
  return url.href.replace(/\/+$/, '');
}

/**
 * `uptop probe`: runs checks for a central uptop as a regional probe (src/probes/agent.ts), without a database. The
 * token comes from --token or UPTOP_PROBE_TOKEN (the latter keeps it out of the process list); UPTOP_ALLOW_PRIVATE_TARGETS
 * and LOG_LEVEL are read as the server reads them. Resolves once started; SIGTERM or SIGINT stop it, after its held
 * results get one last try.
 */
export async function probe(options: ProbeOptions, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const token = options.token ?? env.UPTOP_PROBE_TOKEN;
  if (!token) throw new UsageError('give the probe token with --token or UPTOP_PROBE_TOKEN (an admin creates one with the createProbeToken mutation)');
  const node = registerBody.safeParse({ id: options.nodeId, name: options.name, region: options.region });
  if (!node.success) {
    const issue = node.error.issues[0]!;
    throw new UsageError(`--${issue.path[0] === 'id' ? 'node-id' : String(issue.path[0])}: ${issue.message}`);
  }
  const { id, region = '' } = node.data;
  const server = serverUrl(options.server);
  const config = loadConfig(env);
  const logger = createLogger(config.logLevel);
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection'));

  const agent = new ProbeAgent({
    server,
    token,
    nodeId: id,
    region,
    name: node.data.name || id,
    version: `uptop ${VERSION}`,
    clock: systemClock,
    logger,
    checker: runCheck,
    allowPrivateTargets: config.checks.allowPrivateTargets,
  });
  // The system clock's timers do not hold the process open (a server's listening socket does): this does, until stopped.
  const alive = setInterval(() => undefined, 2 ** 31 - 1);
  const stop = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'stopping');
    clearInterval(alive);
    agent.stop().then(
      () => {
        logger.info('probe stopped');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'stopping failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  logger.info({ server, nodeId: id, region }, 'probe starting');
  agent.start();
}
