import type { IncomingMessage } from 'node:http';
import { RateLimiter } from '../auth/rate-limit.ts';
import type { AuthService } from '../auth/sessions.ts';
import { authenticate } from '../http/authenticate.ts';
import { perIpLimit, textAnswer, type PlainAnswer, type PlainRoute } from '../http/plain.ts';
import type { ServiceDeps } from '../services/deps.ts';
import { ValidationError } from '../services/errors.ts';
import { backupJson, exportBackup } from './export.ts';
import { importBackup } from './import.ts';
import { convertKumaInSteps, describeKumaImport } from './kuma.ts';

/** Backups of a large fleet run to several MB: far past the 1 MiB of the other routes, still bounded. */
export const IMPORT_BODY_LIMIT = 64 * 1024 * 1024;
/** The Go original's limit on its backup and import routes, per client IP. */
export const BACKUP_REQUESTS_PER_MINUTE = 10;

export interface BackupRouteDeps {
  auth: Pick<AuthService, 'resolveViewer'>;
  deps: ServiceDeps;
}

/** 400 listing every problem, one per line: `sites[2] (ID 7, "web").URL: must be an absolute http:// or https:// URL`. */
function refusal(err: ValidationError, what: string): PlainAnswer {
  return textAnswer(400, [`Invalid ${what}:`, ...err.issues.map((i) => `${i.field}: ${i.message}`)].join('\n'));
}

function parseJson(body: Buffer): { json: unknown; refused?: undefined } | { refused: PlainAnswer } {
  try {
    return { json: JSON.parse(body.toString('utf8')) as unknown };
  } catch (err) {
    return { refused: textAnswer(400, `Invalid JSON: ${(err as Error).message}`) };
  }
}

/**
 * `GET /api/backup/export`, `POST /api/backup/import` and `POST /api/import/kuma`, for ADMIN sessions and tokens that
 * are not read-only, limited per client IP as in the Go original. Over HTTP users are exported (name and role) but
 * never imported, as in Go: accounts are managed with the CLI.
 */
export function backupRoutes({ auth, deps }: BackupRouteDeps): PlainRoute[] {
  const limit = perIpLimit(new RateLimiter({ perMinute: BACKUP_REQUESTS_PER_MINUTE, clock: deps.clock }), deps.config.trustedProxies);

  /** The answer that refuses the request, if one does: over the limit, not signed in, or not an administrator. */
  async function refuse(req: IncomingMessage): Promise<PlainAnswer | undefined> {
    return limit(req) ?? (await authenticate(req, auth, 'admin')).refused;
  }

  /**
   * A POST route that reads a JSON body and imports it with `run`, answering its text, or 400 when the body is not
   * JSON or `run` refuses it (a ValidationError: nothing was changed then).
   */
  function importRoute(path: string, what: string, run: (json: unknown) => Promise<string>): PlainRoute {
    return {
      path,
      methods: ['POST'],
      bodyLimit: IMPORT_BODY_LIMIT,
      admit: refuse,
      async answer({ body }) {
        const parsed = parseJson(body);
        if (parsed.refused) return parsed.refused;
        try {
          return textAnswer(200, await run(parsed.json));
        } catch (err) {
          if (err instanceof ValidationError) return refusal(err, what);
          throw err;
        }
      },
    };
  }

  return [
    {
      path: '/api/backup/export',
      methods: ['GET'],
      admit: refuse,
      async answer({ query }) {
        const backup = await exportBackup(deps, { redactSecrets: query.get('redact_secrets') !== 'false', includeUsers: true });
        const day = deps.clock.now().toISOString().slice(0, 10);
        return textAnswer(200, await backupJson(backup), {
          'content-type': 'application/json; charset=utf-8',
          'content-disposition': `attachment; filename="uptop-backup-${day}.json"`,
        });
      },
    },
    importRoute('/api/backup/import', 'backup', async (json) => {
      const summary = await importBackup(deps, json, { includeUsers: false });
      return `Import Successful (users excluded — manage via CLI): ${summary.sites} sites, ${summary.alerts} alerts, ${summary.maintenanceWindows} maintenance windows`;
    }),
    importRoute('/api/import/kuma', 'Kuma backup', async (json) => {
      const { backup, summary } = await convertKumaInSteps(json);
      await importBackup(deps, backup, { includeUsers: false });
      return describeKumaImport(summary);
    }),
  ];
}
