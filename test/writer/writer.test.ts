import { describe, expect, it } from 'vitest';
import { DROP_NOTE_INTERVAL_MS } from '../../src/writer/drop-notes.ts';
import { WRITE_KINDS, type Write } from '../../src/writer/types.ts';
import { WriterStoppedError } from '../../src/writer/writer.ts';
import { PROVIDERS, useStores } from '../helpers/stores.ts';
import { check, createSites, log, stateChange, T0, writerHarnessOn } from './harness.ts';

const stores = useStores();

/** A trigger that fails the insert of a check whose message is 'boom'. */
const REFUSE_BOOM = {
  sqlite: [`CREATE TRIGGER "refuse_boom" BEFORE INSERT ON "Check" WHEN NEW."message" = 'boom' BEGIN SELECT RAISE(ABORT, 'check refused: boom'); END`],
  postgresql: [
    `CREATE FUNCTION "refuse_boom"() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
      IF NEW."message" = 'boom' THEN RAISE EXCEPTION 'check refused: boom'; END IF; RETURN NEW; END $$`,
    `CREATE TRIGGER "refuse_boom" BEFORE INSERT ON "Check" FOR EACH ROW EXECUTE FUNCTION "refuse_boom"()`,
  ],
};

describe.each(PROVIDERS)('on %s', (provider) => {
  const writerHarness = writerHarnessOn(stores, provider);

  describe('writer: draining and stopping', () => {
    it('stop writes every enqueued write before it resolves', async () => {
      const h = await writerHarness({ config: { queueSize: 20_000, batchSize: 500 } });
      const [a, b] = await createSites(h.db, 2);
      h.writer.start();
      for (let i = 0; i < 9_000; i++) h.writer.enqueue(check(i % 2 ? a! : b!, T0 + i));
      for (let i = 0; i < 700; i++) h.writer.enqueue(stateChange(a!, T0 + i));
      for (let i = 0; i < 300; i++) h.writer.enqueue(log(`log ${i}`, T0 + i, b!));
      await h.writer.stop();
      expect(await h.db.check.count()).toBe(9_000);
      expect(await h.db.stateChange.count()).toBe(700);
      expect(await h.db.log.count()).toBe(300);
      expect(h.writer.stats).toMatchObject({ queueDepth: 0, written: 10_000, droppedTotal: 0, failedBatches: 0 });
    });

    it('writes a NUL a push job or a target sent in a text, with the rest of its batch; PostgreSQL, which refuses one, gets U+FFFD', async () => {
      const h = await writerHarness();
      const [a, b] = await createSites(h.db, 2);
      h.writer.start();
      h.writer.enqueue(check(a!, T0, { message: 'exit 3\u0000tail' }));
      h.writer.enqueue(check(b!, T0));
      h.writer.enqueue(log('pushed \u0000', T0, a!));
      await h.writer.flush();
      const kept = provider === 'postgresql' ? '\uFFFD' : '\u0000';
      expect((await h.db.check.findMany({ orderBy: { siteId: 'asc' } })).map((c) => c.message)).toEqual([`exit 3${kept}tail`, null]);
      expect((await h.db.log.findMany()).map((l) => l.message)).toEqual([`pushed ${kept}`]);
      expect(h.writer.stats).toMatchObject({ failedBatches: 0, written: 3 });
    });

    it('stop drains even a writer that was never started', async () => {
      const h = await writerHarness();
      const [a] = await createSites(h.db, 1);
      for (let i = 0; i < 10; i++) h.writer.enqueue(check(a!, T0 + i));
      await h.writer.stop();
      expect(await h.db.check.count()).toBe(10);
    });

    it('stop is idempotent, and afterwards writes are counted as dropped and commands refused', async () => {
      const h = await writerHarness();
      const [a] = await createSites(h.db, 1);
      h.writer.start();
      h.writer.enqueue(check(a!, T0));
      const first = h.writer.stop();
      expect(h.writer.stop()).toBe(first);
      await first;
      await h.writer.stop();
      expect(await h.db.check.count()).toBe(1);

      h.writer.enqueue(check(a!, T0 + 1));
      h.writer.enqueue(log('late', T0 + 2));
      expect(h.writer.stats.dropped).toMatchObject({ check: 1, log: 1 });
      expect(h.writer.stats.droppedTotal).toBe(2);
      expect(h.notes).toEqual(['db writer stopped, dropped check']);
      await expect(h.writer.submit((tx) => tx.site.count())).rejects.toBeInstanceOf(WriterStoppedError);
      await h.writer.flush();
      expect(await h.db.check.count()).toBe(1);
    });

    it('flush waits for the writes and commands issued before it', async () => {
      const h = await writerHarness({ config: { batchSize: 3 } });
      const [a] = await createSites(h.db, 1);
      h.writer.start();
      for (let i = 0; i < 10; i++) h.writer.enqueue(check(a!, T0 + i));
      const renamed = h.writer.submit((tx) => tx.site.update({ where: { id: a! }, data: { name: 'renamed' } }));
      await h.writer.flush();
      expect(await h.db.check.count()).toBe(10);
      expect((await h.db.site.findUniqueOrThrow({ where: { id: a! } })).name).toBe('renamed');
      await renamed;
    });
  });

  describe('writer: a full queue', () => {
    it('drops past capacity without blocking, counts per kind, and notes the drop once per burst', async () => {
      const h = await writerHarness({ config: { queueSize: 10 } });
      const [a] = await createSites(h.db, 1);
      // Not started: nothing drains, so the queue stays full while we push.
      for (let i = 0; i < 25; i++) h.writer.enqueue(check(a!, T0 + i));
      for (let i = 0; i < 3; i++) h.writer.enqueue(log(`l${i}`, T0 + i));
      expect(h.writer.stats).toMatchObject({
        queueDepth: 10,
        dropped: { check: 15, stateChange: 0, log: 3, alertHealth: 0, runtimeState: 0 },
        droppedTotal: 18,
      });
      expect(h.notes).toEqual(['db write queue full, dropped check']);

      h.clock.advance(DROP_NOTE_INTERVAL_MS);
      expect(h.notes).toEqual(['db write queue full, dropped check', 'db write queue full, dropped 17 more writes (check 14, log 3)']);
      h.clock.advance(DROP_NOTE_INTERVAL_MS);
      expect(h.notes).toHaveLength(2);
      expect(h.clock.pendingTimers).toBe(0);

      h.writer.start();
      await h.writer.flush();
      expect(await h.db.check.count()).toBe(10);
      expect(h.logLines.filter((l) => l.msg === 'db write queue full, dropped check')).toHaveLength(1);
    });

    it('a note that enqueues a log write (as the engine does) neither recurses nor floods', async () => {
      let writer: { enqueue(w: Write): void } | undefined;
      const h = await writerHarness({
        config: { queueSize: 5 },
        onLog: (message) => writer!.enqueue(log(message, T0)),
      });
      writer = h.writer;
      for (let i = 0; i < 1_000; i++) h.writer.enqueue(log(`l${i}`, T0 + i));
      expect(h.notes).toEqual(['db write queue full, dropped log']);
      expect(h.writer.stats.dropped.log).toBe(996);
    });

    it('stop notes the drops not yet summed up', async () => {
      const h = await writerHarness({ config: { queueSize: 1 } });
      for (let i = 0; i < 4; i++) h.writer.enqueue(log(`l${i}`, T0 + i));
      await h.writer.stop();
      expect(h.notes).toEqual(['db write queue full, dropped log', 'db write queue full, dropped 2 more writes (log 2)']);
      expect(h.clock.pendingTimers).toBe(0);
    });
  });

  describe('writer: failures', () => {
    it('a failing kind is logged with its error and kind, the rest of its batch and later writes still land', async () => {
      const h = await writerHarness();
      const [a] = await createSites(h.db, 1);
      for (const sql of REFUSE_BOOM[provider]) await h.db.$executeRawUnsafe(sql);
      // One batch: the loop has not started, so all four are taken together.
      h.writer.enqueue(check(a!, T0, { message: 'boom', up: false, status: 'DOWN' }));
      h.writer.enqueue(check(a!, T0 + 1));
      h.writer.enqueue(stateChange(a!, T0));
      h.writer.enqueue(log('still here', T0, a!));
      h.writer.start();
      await h.writer.flush();

      expect(await h.db.check.count()).toBe(0);
      expect(await h.db.stateChange.count()).toBe(1);
      expect(await h.db.log.count()).toBe(1);
      expect(h.writer.stats).toMatchObject({ failedBatches: 1, failedWrites: 2, written: 2 });
      expect(h.notes).toHaveLength(1);
      expect(h.notes[0]).toMatch(/^db check write failed: .*check refused: boom/);
      const logged = h.logLines.find((l) => l.kind === 'check');
      expect(logged).toMatchObject({ level: 50, writes: 2 });
      expect(JSON.stringify(logged?.err)).toContain('check refused: boom');

      h.writer.enqueue(check(a!, T0 + 2));
      await h.writer.flush();
      expect(await h.db.check.count()).toBe(1);
      expect(h.writer.stats.failedBatches).toBe(1);
    });

    it('a write that cannot be encoded fails its kind only', async () => {
      const h = await writerHarness();
      const [a] = await createSites(h.db, 1);
      h.writer.enqueue(check(a!, Number.NaN));
      h.writer.enqueue(log('fine', T0));
      h.writer.start();
      await h.writer.flush();
      expect(await h.db.log.count()).toBe(1);
      expect(h.writer.stats).toMatchObject({ failedBatches: 1, failedWrites: 1 });
      expect(h.notes).toEqual(['db check write failed: Invalid time value']);
    });

    it('writes for a site or channel deleted after they were queued are skipped, not failed', async () => {
      const h = await writerHarness();
      const [keep, gone] = await createSites(h.db, 2);
      const channel = await h.db.alertChannel.create({ data: { name: 'c', provider: 'WEBHOOK', settings: '{}' } });
      const at = new Date(T0);
      const runtime = (siteId: number): Write => ({
        kind: 'runtimeState',
        siteId,
        status: 'UP',
        failureCount: 0,
        statusCode: 200,
        latencyMs: 5,
        lastCheckAt: at,
        lastSuccessAt: at,
        statusChangedAt: at,
        lastError: '',
        hasSsl: false,
        certExpiresAt: null,
        sentSslWarning: false,
        sslWarnedExpiry: null,
        sslRenewalChecks: 0,
        lastAlertAt: null,
        pushMissedInWindow: false,
        pushFailedInWindow: false,
        pushAlertAtDeadline: false,
        legacyOutageKey: false,
        legacySslKey: false,
        updatedAt: at,
      });
      for (const siteId of [keep!, gone!]) {
        h.writer.enqueue(check(siteId, T0));
        h.writer.enqueue(stateChange(siteId, T0));
        h.writer.enqueue(log(`about ${siteId}`, T0, siteId));
        h.writer.enqueue(runtime(siteId));
      }
      h.writer.enqueue({ kind: 'alertHealth', alertChannelId: channel.id, sentAt: at, ok: true, error: '' });
      await h.db.site.delete({ where: { id: gone! } });
      await h.db.alertChannel.delete({ where: { id: channel.id } });
      h.writer.start();
      await h.writer.flush();

      expect(h.writer.stats).toMatchObject({ failedBatches: 0, written: 5, skipped: 4 });
      expect(h.notes).toEqual([]);
      expect(await h.db.check.findMany({ select: { siteId: true } })).toEqual([{ siteId: keep }]);
      expect(await h.db.stateChange.findMany({ select: { siteId: true } })).toEqual([{ siteId: keep }]);
      expect(await h.db.siteRuntimeState.findMany({ select: { siteId: true } })).toEqual([{ siteId: keep }]);
      expect(await h.db.alertHealth.count()).toBe(0);
      // A log outlives its site: kept, with the reference cleared.
      expect(await h.db.log.findMany({ select: { message: true, siteId: true }, orderBy: { id: 'asc' } })).toEqual([
        { message: `about ${keep}`, siteId: keep },
        { message: `about ${gone}`, siteId: null },
      ]);
    });
  });

  describe('writer: commands', () => {
    it('a failing command rolls back alone: writes queued while it was open still land', async () => {
      const h = await writerHarness();
      const [a] = await createSites(h.db, 1);
      h.writer.start();
      const failing = h.writer.submit(async (tx) => {
        await tx.site.create({ data: { name: 'doomed' } });
        // Writes arriving while this transaction is open on the writer's connection must not join it.
        for (let i = 0; i < 5; i++) h.writer.enqueue(check(a!, T0 + i));
        await new Promise((r) => setImmediate(r));
        throw new Error('command refused');
      });
      const succeeding = h.writer.submit((tx) => tx.site.create({ data: { name: 'kept' } }));
      await expect(failing).rejects.toThrow('command refused');
      await expect(succeeding).resolves.toMatchObject({ name: 'kept' });
      await h.writer.flush();
      expect(await h.db.check.count()).toBe(5);
      expect((await h.db.site.findMany({ select: { name: true }, orderBy: { id: 'asc' } })).map((s) => s.name)).toEqual(['site 0', 'kept']);
      expect(h.writer.stats.pendingCommands).toBe(0);
    });

    it('commands run in submission order, never dropped, and wait for room when many are queued', async () => {
      const h = await writerHarness({ maxQueuedCommands: 2 });
      const order: number[] = [];
      const results = Array.from({ length: 6 }, (_, i) =>
        h.writer.submit(async (tx) => {
          order.push(i);
          return tx.site.create({ data: { name: `s${i}` } });
        }),
      );
      await new Promise((r) => setImmediate(r));
      expect(h.writer.stats.pendingCommands).toBe(6);
      h.writer.start();
      const sites = await Promise.all(results);
      expect(order).toEqual([0, 1, 2, 3, 4, 5]);
      expect(sites.map((s) => s.name)).toEqual(['s0', 's1', 's2', 's3', 's4', 's5']);
      expect(h.writer.stats.pendingCommands).toBe(0);
    });

    it('stop runs the commands still waiting for room', async () => {
      const h = await writerHarness({ maxQueuedCommands: 1 });
      const results = Array.from({ length: 4 }, (_, i) => h.writer.submit((tx) => tx.site.create({ data: { name: `s${i}` } })));
      await h.writer.stop();
      await Promise.all(results);
      expect(await h.db.site.count()).toBe(4);
    });
  });

  describe('writer: rows as Prisma reads them', () => {
    // SQLite stores times as text, in one form for every row; PostgreSQL's are timestamp(3) values.
    it.runIf(provider === 'sqlite')('dates round-trip through the adapter text format and match what Prisma itself stores', async () => {
      const h = await writerHarness();
      const [a] = await createSites(h.db, 1);
      const at = new Date(Date.UTC(2026, 4, 17, 8, 9, 10, 123));
      h.writer.start();
      h.writer.enqueue(check(a!, at.getTime(), { latencyMs: 41.25, statusCode: 204, message: 'ok ✓ "quoted"', nodeId: 'eu-1' }));
      await h.writer.flush();
      const row = await h.db.check.findFirstOrThrow();
      expect(row).toMatchObject({
        siteId: a,
        checkedAt: at,
        up: true,
        status: 'UP',
        latencyMs: 41.25,
        statusCode: 204,
        message: 'ok ✓ "quoted"',
        nodeId: 'eu-1',
      });
      const [raw] = await h.db.$queryRawUnsafe<{ ours: string; prismas: string }[]>(
        `SELECT CAST(c."checkedAt" AS TEXT) AS ours, CAST(s."createdAt" AS TEXT) AS prismas FROM "Check" c JOIN "Site" s ON s."id" = c."siteId"`,
      );
      expect(raw!.ours).toBe('2026-05-17T08:09:10.123+00:00');
      expect(raw!.prismas).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$/);
    });

    it('alert health adds up counts across writes and batches; the newest send sets the rest', async () => {
      const h = await writerHarness();
      const channel = await h.db.alertChannel.create({ data: { name: 'c', provider: 'WEBHOOK', settings: '{}' } });
      const send = (ms: number, ok: boolean, error = ''): Write => ({ kind: 'alertHealth', alertChannelId: channel.id, sentAt: new Date(T0 + ms), ok, error });
      h.writer.enqueue(send(1, true));
      h.writer.enqueue(send(3, true));
      h.writer.enqueue(send(2, false, 'HTTP 500'));
      h.writer.start();
      await h.writer.flush();
      expect(await h.db.alertHealth.findUniqueOrThrow({ where: { alertChannelId: channel.id } })).toEqual({
        alertChannelId: channel.id,
        lastSendAt: new Date(T0 + 3),
        lastSendOk: true,
        lastError: '',
        sendCount: 3,
        failCount: 1,
      });
      h.writer.enqueue(send(4, false, 'timeout'));
      await h.writer.flush();
      expect(await h.db.alertHealth.findUniqueOrThrow({ where: { alertChannelId: channel.id } })).toMatchObject({
        lastSendAt: new Date(T0 + 4),
        lastSendOk: false,
        lastError: 'timeout',
        sendCount: 4,
        failCount: 2,
      });
    });

    it('runtime state is upserted, the newest snapshot per site in a batch winning', async () => {
      const h = await writerHarness();
      const [a, b] = await createSites(h.db, 2);
      const snapshot = (siteId: number, ms: number, status: 'UP' | 'DOWN', failureCount: number): Write => ({
        kind: 'runtimeState',
        siteId,
        status,
        failureCount,
        statusCode: status === 'UP' ? 200 : 503,
        latencyMs: 3.5,
        lastCheckAt: new Date(T0 + ms),
        lastSuccessAt: status === 'UP' ? new Date(T0 + ms) : null,
        statusChangedAt: new Date(T0),
        lastError: status === 'UP' ? '' : 'HTTP 503',
        hasSsl: true,
        certExpiresAt: new Date(T0 + 86_400_000),
        sentSslWarning: true,
        sslWarnedExpiry: new Date(T0 + 86_400_000),
        sslRenewalChecks: ms,
        lastAlertAt: null,
        pushMissedInWindow: status === 'DOWN',
        pushFailedInWindow: ms === 2,
        pushAlertAtDeadline: status === 'DOWN',
        legacyOutageKey: status === 'DOWN',
        legacySslKey: ms === 2,
        updatedAt: new Date(T0 + ms),
      });
      h.writer.enqueue(snapshot(a!, 2, 'DOWN', 2));
      h.writer.enqueue(snapshot(a!, 1, 'DOWN', 1));
      h.writer.enqueue(snapshot(b!, 1, 'UP', 0));
      h.writer.start();
      await h.writer.flush();
      expect(await h.db.siteRuntimeState.findUniqueOrThrow({ where: { siteId: a! } })).toEqual({
        siteId: a,
        status: 'DOWN',
        failureCount: 2,
        statusCode: 503,
        latencyMs: 3.5,
        lastCheckAt: new Date(T0 + 2),
        lastSuccessAt: null,
        statusChangedAt: new Date(T0),
        lastError: 'HTTP 503',
        hasSsl: true,
        certExpiresAt: new Date(T0 + 86_400_000),
        sentSslWarning: true,
        sslWarnedExpiry: new Date(T0 + 86_400_000),
        sslRenewalChecks: 2,
        lastAlertAt: null,
        pushMissedInWindow: true,
        pushFailedInWindow: true,
        pushAlertAtDeadline: true,
        legacyOutageKey: true,
        legacySslKey: true,
        updatedAt: new Date(T0 + 2),
      });
      h.writer.enqueue(snapshot(a!, 3, 'UP', 0));
      await h.writer.flush();
      expect(await h.db.siteRuntimeState.findUniqueOrThrow({ where: { siteId: a! } })).toMatchObject({
        status: 'UP',
        failureCount: 0,
        lastSuccessAt: new Date(T0 + 3),
        pushMissedInWindow: false,
        pushFailedInWindow: false,
        pushAlertAtDeadline: false,
        legacyOutageKey: false,
        legacySslKey: false,
      });
      expect(await h.db.siteRuntimeState.count()).toBe(2);
      expect(h.writer.stats.written).toBe(3);
    });

    it("an alert's done mark, queued behind its intent, marks it in the same batch or a later one, and only once", async () => {
      const h = await writerHarness({ config: { batchSize: 2 } });
      const [a] = await createSites(h.db, 1);
      const intent = (key: string): Write => ({ kind: 'alertIntent', siteId: a!, alertChannelId: 1, key, payload: '{}', createdAt: new Date(T0) });
      const done = (key: string, ms: number, error: string, tried = true): Write => ({ kind: 'alertDone', key, sentAt: new Date(T0 + ms), error, tried });
      // Batches of two: [same, its mark], [a log, split], [split's mark, a late second mark of same], [gone's intent, its mark].
      for (const w of [
        intent('same'),
        done('same', 1, ''),
        log('between', T0),
        intent('split'),
        done('split', 2, 'HTTP 500'),
        done('same', 3, 'again'),
        intent('gone'),
        done('gone', 4, 'the alert channel no longer exists', false),
      ])
        h.writer.enqueue(w);
      h.writer.start();
      await h.writer.flush();
      const rows = await h.db.alertOutbox.findMany({ orderBy: { id: 'asc' } });
      expect(rows.map((r) => [r.key, r.sentAt, r.attempts, r.lastError])).toEqual([
        ['same', new Date(T0 + 1), 1, ''],
        ['split', new Date(T0 + 2), 1, 'HTTP 500'],
        ['gone', new Date(T0 + 4), 0, 'the alert channel no longer exists'],
      ]);
      expect(h.writer.stats).toMatchObject({ failedBatches: 0, skipped: 1 });
    });

    it('every kind is covered by the encoder', () => {
      expect([...WRITE_KINDS].sort()).toEqual(['alertDone', 'alertHealth', 'alertIntent', 'check', 'log', 'runtimeState', 'stateChange']);
    });
  });
});
