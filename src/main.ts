import { runCli } from './cli/main.ts';

/** `npm start`: the `uptop serve` command (src/cli/serve.ts), with any options given after `--`. */
process.exitCode = await runCli(['serve', ...process.argv.slice(2)]);
