import { createApp } from '../app.ts';
import { loadConfig } from '../config.ts';
import { createLogger } from '../log.ts';
import { seedDemo } from './demo.ts';
import { describeFailure } from './describe.ts';
import { CliError } from './errors.ts';

/**
 * `uptop serve` (and `npm start`): configuration → app → listen, with `--demo` seeding example monitors into an empty
 * database; SIGTERM/SIGINT stop it gracefully. Resolves once listening; the server then keeps the process alive.
 */
export async function serve(options: { demo: boolean }): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  // A stray rejection is a bug to log, not a reason to take every monitor down.
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection'));

  const app = await createApp(config, { logger });
  const stop = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'stopping');
    app.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  try {
    await app.start();
    if (options.demo) {
      const seeded = await seedDemo(app.deps.db, app.deps.services);
      if (seeded) logger.info('seeded the demo: 3 alert channels and 10 monitors (see README, "Command line")');
      else logger.info('not seeding the demo: the database already has monitors or alert channels');
    }
  } catch (err) {
    logger.fatal({ err }, 'could not start');
    await app.stop().catch((stopErr: unknown) => logger.error({ err: stopErr }, 'shutdown after a failed start failed'));
    throw new CliError(`could not start: ${describeFailure(err)}`);
  }
}
