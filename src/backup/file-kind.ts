/**
 * The two imports take different files, and a sysadmin easily hands one the other's: each refuses the other's file by
 * naming the import that takes it, instead of a message about a missing key.
 */

const isObject = (json: unknown): json is Record<string, unknown> => typeof json === 'object' && json !== null && !Array.isArray(json);

/** Uptime Kuma's export envelope: `version` with `monitorList` or `notificationList`, keys a backup never has. */
export const isKumaExport = (json: unknown): boolean => isObject(json) && ('monitorList' in json || 'notificationList' in json);

/** uptop's (and the Go uptop's) backup: `sites` or `alerts`, keys a Kuma export never has. */
export const isBackup = (json: unknown): boolean => isObject(json) && ('sites' in json || 'alerts' in json);

export const KUMA_EXPORT_NOT_BACKUP =
  'is an Uptime Kuma export, not a backup: import it with `uptop import --kuma <file>` or POST /api/import/kuma; nothing was changed';

export const BACKUP_NOT_KUMA_EXPORT =
  'is an uptop backup, not an Uptime Kuma export: import it with `uptop import <file>` or POST /api/backup/import; nothing was changed';
