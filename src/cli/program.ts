import { Command, InvalidArgumentError, Option } from 'commander';
import type { Role } from '../generated/prisma/client.ts';
import type { CliContext } from './context.ts';
import { EXIT } from './errors.ts';
import type { CliIo } from './io.ts';
import { VERSION } from './version.ts';

const ROLES = ['ADMIN', 'EDITOR', 'VIEWER'] as const satisfies readonly Role[];

/** `--role` as commander parses it: admin, editor or viewer, in any case. */
function parseRole(value: string): Role {
  const role = ROLES.find((r) => r === value.toUpperCase());
  if (!role) throw new InvalidArgumentError('expected admin, editor or viewer');
  return role;
}

/**
 * Runs `fn` with the database and services (context.ts). Commands load their modules when they run: the services
 * and the server take a second or more to import, which `--help` and `version` need not pay.
 */
async function inContext(fn: (ctx: CliContext) => Promise<void>): Promise<void> {
  const { withCliContext } = await import('./context.ts');
  await withCliContext(fn);
}

const users = () => import('./users.ts');

/**
 * The `uptop` command line. Usage errors throw a CommanderError (exitOverride) instead of exiting, so `runCli`
 * decides the exit code; every command reads DATABASE_URL and the rest of the environment as the server does.
 */
export function buildProgram(io: CliIo): Command {
  const program = new Command('uptop')
    .description('Self-hosted uptime monitor with a GraphQL API. Configuration comes from the environment (DATABASE_URL, UPTOP_*).')
    .version(VERSION, '-v, --version', 'print the version')
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) })
    // Inherited by every command added below: a usage error prints commander's message, then that command's help.
    .showSuggestionAfterError()
    .showHelpAfterError()
    .exitOverride();

  program
    .command('serve')
    .description('run the monitor and its HTTP server (the default command)')
    .option('--demo', 'on an empty database, seed 3 example alert channels and 10 example monitors (paused or push: they reach nothing)')
    .action(async (options: { demo?: boolean }) => (await import('./serve.ts')).serve({ demo: options.demo === true }));

  program
    .command('migrate')
    .description('create the database if needed, apply pending migrations, and exit')
    .action(async () => (await import('./migrate.ts')).migrateCommand(io));

  program
    .command('migrate-db')
    .description('copy every table of one database into a new, empty one, ids kept (e.g. from SQLite to PostgreSQL)')
    .requiredOption('--from <url>', 'the database to copy, as DATABASE_URL names it (file:… or postgresql://…)')
    .requiredOption('--to <url>', 'the empty database to fill (migrated first)')
    .option('--batch-size <rows>', 'rows read and written per statement', '500')
    .action(async (options: { from: string; to: string; batchSize: string }) => (await import('./migrate-db.ts')).migrateDbCommand(io, options));

  const password = () => new Option('--password <password>', 'the password (else typed at a terminal, or the first line of stdin)');
  const user = program.command('user').description('manage users');
  user
    .command('add')
    .description('create a user')
    .argument('<username>')
    .addOption(new Option('--role <role>', 'admin, editor or viewer (default: admin for the first user, else viewer)').argParser(parseRole))
    .addOption(password())
    .action((username: string, options: { role?: Role; password?: string }) => inContext(async (ctx) => (await users()).addUser(ctx, io, username, options)));
  user
    .command('passwd')
    .description("set a user's password; their sessions and API tokens end")
    .argument('<username>')
    .addOption(password())
    .action((username: string, options: { password?: string }) => inContext(async (ctx) => (await users()).changePassword(ctx, io, username, options)));
  user
    .command('list')
    .description('list the users')
    .action(() => inContext(async (ctx) => (await users()).listUsers(ctx, io)));
  user
    .command('delete')
    .description('delete a user (not the last admin)')
    .argument('<username>')
    .action((username: string) => inContext(async (ctx) => (await users()).deleteUser(ctx, io, username)));

  program
    .command('token')
    .description('manage API tokens')
    .command('create')
    .description("create an API token of the user's and print it (shown once)")
    .argument('<username>')
    .option('--name <name>', 'what the token is for', 'uptop CLI')
    .option('--write', "allow writes with the user's rights (default: read-only)")
    .option('--expires-in <duration>', 'stop working after this long, such as 7d or 12h (default: until revoked)')
    .action((username: string, options: { name: string; write?: boolean; expiresIn?: string }) =>
      inContext(async (ctx) =>
        (await users()).createToken(ctx, io, username, { name: options.name, write: options.write === true, expiresIn: options.expiresIn ?? null }),
      ),
    );

  program
    .command('apply')
    .description('make the database match a config file (uptop.yaml: alerts, monitors, maintenance windows)')
    .requiredOption('-f, --file <file>', 'the YAML or JSON file')
    .option('--dry-run', 'print the plan and change nothing')
    .option('--prune', 'delete the alerts, monitors and maintenance windows the file does not name')
    .action((options: { file: string; dryRun?: boolean; prune?: boolean }) =>
      inContext(async (ctx) =>
        (await import('./config-as-code.ts')).applyCommand(ctx, io, { file: options.file, dryRun: options.dryRun === true, prune: options.prune === true }),
      ),
    );

  program
    .command('export')
    .description('print the database as a config file that apply takes back unchanged (it holds alert secrets)')
    .addOption(new Option('--format <format>', 'yaml or json').choices(['yaml', 'json']).default('yaml'))
    .option('-o, --output <file>', 'write to this file (mode 0600) instead of stdout')
    .action((options: { format: 'yaml' | 'json'; output?: string }) =>
      inContext(async (ctx) => (await import('./config-as-code.ts')).exportCommand(ctx, io, options)),
    );

  program
    .command('import')
    .description("replace monitors, alert channels and maintenance windows with a backup's (the Go original's JSON) or an Uptime Kuma export's")
    .argument('[file]', 'a backup taken with GET /api/backup/export (or the Go uptop)')
    .option('--kuma <file>', 'an Uptime Kuma backup export (1.x or 2.x) instead')
    .action((file: string | undefined, options: { kuma?: string }, command: Command) => {
      // Reported as commander reports a missing argument: the message, then the usage (exit 2).
      const usageError = (message: string) => command.error(`error: ${message}`, { exitCode: EXIT.usage, code: 'uptop.importSource' });
      if (file === undefined && options.kuma === undefined) usageError('missing the backup file to import (or --kuma <file> for an Uptime Kuma export)');
      if (file !== undefined && options.kuma !== undefined) usageError('give a backup file or --kuma <file>, not both');
      const source = options.kuma === undefined ? { backup: file! } : { kuma: options.kuma };
      return inContext(async (ctx) => (await import('./import.ts')).importCommand(ctx, io, source));
    });

  program
    .command('probe')
    .description('check sites for a central uptop as a regional probe, without a database (its /api/probe endpoints)')
    .requiredOption('--server <url>', 'the central uptop, e.g. https://uptop.example.com')
    .requiredOption('--node-id <id>', "this probe's id, e.g. eu-west-1 (kept with its token once registered)")
    .option('--region <region>', 'its region: it checks the sites without regions and those listing it', '')
    .option('--name <name>', 'a display name (default: the node id)')
    .option('--token <token>', 'a probe token (createProbeToken); UPTOP_PROBE_TOKEN keeps it out of the process list')
    .action(async (options: { server: string; nodeId: string; region: string; name?: string; token?: string }) => (await import('./probe.ts')).probe(options));

  program
    .command('version')
    .description('print the version')
    .action(() => {
      io.stdout.write(`${VERSION}\n`);
    });

  return program;
}
