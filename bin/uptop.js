#!/usr/bin/env node
// The `uptop` command: the CLI is TypeScript run through tsx (a runtime dependency), registered here as an ESM loader.
import { register } from 'tsx/esm/api';

register();
// graphql-js checks each type test against a second copy of itself unless NODE_ENV is production (src/main.ts).
process.env.NODE_ENV ??= 'production';
const { runCli } = await import('../src/cli/main.ts');
process.exitCode = await runCli(process.argv.slice(2));
