import fs from 'node:fs';
import { applyConfig, type ExportFormat, exportConfig, formatPlan } from '../config-as-code/index.ts';
import type { CliContext } from './context.ts';
import { CliError } from './errors.ts';
import type { CliIo } from './io.ts';

function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/**
 * `uptop apply -f uptop.yaml [--dry-run] [--prune]`: the plan as `+ create` / `~ update` / `- delete` lines and a
 * summary, carried out in one transaction unless `--dry-run`. A running server on the database reconciles at once.
 */
export async function applyCommand(ctx: CliContext, io: CliIo, options: { file: string; dryRun: boolean; prune: boolean }): Promise<void> {
  const text = readText(options.file);
  ctx.announce({ what: 'config' });
  const result = await applyConfig(ctx, { text, fileName: options.file, dryRun: options.dryRun, prune: options.prune });
  io.stdout.write(`${formatPlan(result)}${result.applied ? '' : ' (dry run: nothing was changed)'}\n`);
}

/**
 * `uptop export [--format yaml|json] [-o file]`: the database as a file `apply` takes back unchanged. It holds alert
 * secrets in plain text, as the Go original's does, so a file is written owner-only (0600), an existing one included.
 */
export async function exportCommand(ctx: CliContext, io: CliIo, options: { format: ExportFormat; output?: string }): Promise<void> {
  const text = await exportConfig(ctx, { format: options.format });
  if (options.output === undefined || options.output === '-') {
    io.stdout.write(text);
    return;
  }
  try {
    fs.writeFileSync(options.output, text, { mode: 0o600 });
    // The mode above applies only to a file created now.
    fs.chmodSync(options.output, 0o600);
  } catch (err) {
    throw new CliError(`cannot write ${options.output}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  io.stderr.write(`exported to ${options.output} (mode 0600: it holds alert secrets)\n`);
}
