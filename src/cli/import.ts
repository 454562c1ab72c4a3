import fs from 'node:fs';
import { convertKuma, describeKumaImport, importBackup } from '../backup/index.ts';
import type { CliContext } from './context.ts';
import { CliError } from './errors.ts';
import type { CliIo } from './io.ts';

/** A file's JSON; a missing file or bad JSON is a failure naming the file. */
export function readJsonFile(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new CliError(`${file} is not JSON: ${(err as Error).message}`);
  }
}

/**
 * `uptop import backup.json` (the Go original's backup) or `uptop import --kuma kuma.json`: wipe and replace sites,
 * channels and windows in one transaction, creating the backup's missing users (locked until `uptop user passwd`).
 * A running server on the database reloads its engine at once (the change signal).
 */
export async function importCommand(ctx: CliContext, io: CliIo, source: { backup: string } | { kuma: string }): Promise<void> {
  ctx.announce({ what: 'everything', userIds: [] });
  if ('kuma' in source) {
    const { backup, summary } = convertKuma(readJsonFile(source.kuma));
    await importBackup(ctx, backup, { includeUsers: true });
    io.stdout.write(`${describeKumaImport(summary)}\n`);
    return;
  }
  const summary = await importBackup(ctx, readJsonFile(source.backup), { includeUsers: true });
  const users = summary.users ? `; users: ${summary.users.created} created (locked until uptop user passwd), ${summary.users.existing} already present` : '';
  io.stdout.write(`Imported ${summary.sites} sites, ${summary.alerts} alerts, ${summary.maintenanceWindows} maintenance windows${users}\n`);
}
