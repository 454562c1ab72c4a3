// graphql-js checks each type test against a second copy of itself unless NODE_ENV is production: about a tenth of a
// large query's time. It reads NODE_ENV once, as it loads, so this comes before anything imports it.
process.env.NODE_ENV ??= 'production';
/** `npm start`: the `uptop serve` command (src/cli/serve.ts), with any options given after `--`. */
const { runCli } = await import('./cli/main.ts');
process.exitCode = await runCli(['serve', ...process.argv.slice(2)]);
