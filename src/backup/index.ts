/** Backups in the Go original's format, and imports of them and of Uptime Kuma's (the HTTP routes and the CLI). */
export { exportBackup, type ExportOptions } from './export.ts';
export type { Backup } from './format.ts';
export { importBackup, type ImportOptions, type ImportSummary } from './import.ts';
export { convertKuma, describeKumaImport, type KumaSummary } from './kuma.ts';
