import { z } from 'zod';
import { RecurrenceError } from '../engine/errors.ts';
import { MAX_DURATION_MINUTES, validateRecurrence, WindowStates, type WindowRow } from '../engine/maintenance.ts';
import { MaintenanceType, type MaintenanceWindow } from '../generated/prisma/client.ts';
import { notifyEngine, type ServiceDeps } from './deps.ts';
import { ConflictError, NotFoundError, ValidationError, type FieldIssue } from './errors.ts';
import type { Tx } from '../writer/types.ts';
import { hasNoNul, nameText, NO_NUL, parseOrThrow, refuseNulls } from './validate.ts';

const windowSchema = z.strictObject({
  title: nameText(200),
  description: z.string().max(10_000, 'must be at most 10000 characters').refine(hasNoNul, NO_NUL).default(''),
  type: z.enum(MaintenanceType).default('MAINTENANCE'),
  siteId: z.number().int().positive().nullable().default(null),
  startsAt: z.date().nullable().default(null),
  endsAt: z.date().nullable().default(null),
  recurrence: z
    .string()
    .trim()
    .max(200)
    .nullable()
    .default(null)
    .transform((r) => r || null),
  durationMinutes: z
    .number()
    .int('must be a whole number')
    .min(1, 'must be at least 1 minute')
    .max(MAX_DURATION_MINUTES, `must be at most ${MAX_DURATION_MINUTES} minutes (a week)`)
    .nullable()
    .default(null),
  timezone: z.string().trim().max(64).nullable().default(null),
});

export type MaintenanceInput = { [K in keyof z.input<typeof windowSchema>]?: z.input<typeof windowSchema>[K] | null } & { title: string };

/** A window's validated fields; `startsAt` stays null when absent (it then means "now"). */
export type WindowFields = z.output<typeof windowSchema>;

/**
 * Validates a window's fields (absent and null alike mean the default) and the rules across them: endsAt after the
 * start (`now` when absent), a recurrence with its duration and timezone, and those two only with a recurrence.
 * Throws one ValidationError naming every bad field. The API and config as code both create windows through this.
 */
export function parseWindowFields(input: MaintenanceInput, now: Date): WindowFields {
  const present = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== null && v !== undefined));
  const w = parseOrThrow(windowSchema, present);
  const startsAt = w.startsAt ?? now;
  const issues: FieldIssue[] = [];
  if (w.endsAt && w.endsAt.getTime() <= startsAt.getTime()) issues.push({ field: 'endsAt', message: 'must be after startsAt' });
  if (w.recurrence) {
    try {
      validateRecurrence(w.recurrence, w.durationMinutes, w.timezone);
    } catch (err) {
      if (!(err instanceof RecurrenceError)) throw err;
      issues.push({ field: err.field, message: err.message });
    }
  } else {
    for (const field of ['durationMinutes', 'timezone'] as const) {
      if (w[field] !== null) issues.push({ field, message: 'only applies to a recurring window (set recurrence)' });
    }
  }
  if (issues.length) throw ValidationError.of(issues);
  return w;
}

/**
 * An edit: an absent field is unchanged. Null clears what may be absent (siteId: every monitor; endsAt: until ended;
 * recurrence: a one-off, its duration and timezone going with it) and is refused elsewhere.
 */
export type MaintenanceUpdate = { [K in keyof MaintenanceInput]?: MaintenanceInput[K] | null };

/** The fields of a stored window as MaintenanceInput names them. */
function inputOf(w: MaintenanceWindow): MaintenanceInput {
  const { title, description, type, siteId, startsAt, endsAt, recurrence, durationMinutes, timezone } = w;
  return { title, description, type, siteId, startsAt, endsAt, recurrence, durationMinutes, timezone };
}

/** The stored edit: the fields given over those stored; a window made one-off drops what only a recurring one has. */
function mergedInput(current: MaintenanceWindow, update: MaintenanceUpdate): MaintenanceInput {
  const given = Object.fromEntries(Object.entries(update).filter(([, v]) => v !== undefined));
  const merged = { ...inputOf(current), ...given } as MaintenanceInput;
  if (!merged.recurrence?.trim()) {
    for (const field of ['durationMinutes', 'timezone'] as const) if (update[field] === undefined) merged[field] = null;
  }
  return merged;
}

/** The row's columns for validated fields: a recurring window's timezone defaults to UTC; a one-off has none. */
function windowColumns(w: WindowFields, startsAt: Date) {
  return { ...w, startsAt, timezone: w.recurrence ? (w.timezone ?? 'UTC') : null };
}

async function assertSiteExists(tx: Tx, siteId: number | null): Promise<void> {
  if (siteId !== null && !(await tx.site.findUnique({ where: { id: siteId }, select: { id: true } }))) {
    throw new ValidationError('siteId', 'no such site');
  }
}

export interface MaintenanceService {
  /** One-off (startsAt absent = now, endsAt absent = until ended) or recurring (cron + durationMinutes in timezone). */
  create(input: MaintenanceInput, createdBy: string): Promise<MaintenanceWindow>;
  /** Validated as a whole, as `create` does, with the stored fields the edit leaves alone. */
  update(id: number, input: MaintenanceUpdate): Promise<MaintenanceWindow>;
  /** Ends a window now; a recurring one has no further occurrences. */
  end(id: number): Promise<MaintenanceWindow>;
  remove(id: number): Promise<void>;
  isActive(window: WindowRow): boolean;
  /** Ids of the windows active now, for the `active` filter. */
  activeIds(): Promise<number[]>;
}

export function createMaintenanceService(deps: ServiceDeps): MaintenanceService {
  const { db, writer, engine, clock } = deps;
  const changed = () => notifyEngine(deps, 'maintenanceChanged', () => engine.maintenanceChanged());
  // The same answer as the engine's, kept per row until it can change: `active` is read for every listed window.
  const states = new WindowStates();

  return {
    async create(input, createdBy) {
      const now = clock.now();
      const w = parseWindowFields(input, now);
      const startsAt = w.startsAt ?? now;
      const window = await writer.submit(async (tx) => {
        await assertSiteExists(tx, w.siteId);
        return tx.maintenanceWindow.create({ data: { ...windowColumns(w, startsAt), createdBy, createdAt: now } });
      });
      await changed();
      return window;
    },

    async update(id, input) {
      refuseNulls(input, ['title', 'description', 'type', 'startsAt']);
      const now = clock.now();
      const window = await writer.submit(async (tx) => {
        const current = await tx.maintenanceWindow.findUnique({ where: { id } });
        if (!current) throw new NotFoundError('MaintenanceWindow');
        const w = parseWindowFields(mergedInput(current, input), now);
        await assertSiteExists(tx, w.siteId);
        return tx.maintenanceWindow.update({ where: { id }, data: windowColumns(w, w.startsAt ?? current.startsAt) });
      });
      await changed();
      return window;
    },

    async end(id) {
      const now = clock.now();
      const window = await writer.submit(async (tx) => {
        const current = await tx.maintenanceWindow.findUnique({ where: { id } });
        if (!current) throw new NotFoundError('MaintenanceWindow');
        if (current.endsAt && current.endsAt.getTime() <= now.getTime()) throw new ConflictError('this window has already ended');
        // A window scheduled for later is ended before it begins: it never becomes active.
        const endsAt = current.startsAt.getTime() > now.getTime() ? current.startsAt : now;
        return tx.maintenanceWindow.update({ where: { id }, data: { endsAt } });
      });
      await changed();
      return window;
    },

    async remove(id) {
      await writer.submit(async (tx) => {
        const { count } = await tx.maintenanceWindow.deleteMany({ where: { id } });
        if (count === 0) throw new NotFoundError('MaintenanceWindow');
      });
      await changed();
    },

    isActive: (window) => states.isActive(window, clock.nowMs()),

    async activeIds() {
      const now = clock.now();
      const candidates = await db.maintenanceWindow.findMany({
        where: { startsAt: { lte: now }, OR: [{ endsAt: null }, { endsAt: { gt: now } }] },
      });
      return candidates.filter((w) => states.isActive(w, now.getTime())).map((w) => w.id);
    },
  };
}
