import { describe, expect, it } from 'vitest';
import { startTestApp } from '../helpers/app.ts';

describe('the event log in the composition root', () => {
  it("keeps the writer's drop note in the engine's log in memory only, and persists the engine's own lines", async () => {
    const t = await startTestApp({ env: { UPTOP_QUEUE_SIZE: '10' } });
    const { writer, engine, db } = t.app.deps;
    const createdAt = new Date(t.clock.nowMs());
    // Enqueued in one synchronous burst: the writer drains between ticks, so the eleventh finds the queue full.
    for (let i = 0; i < 11; i++) writer.enqueue({ kind: 'log', message: `line ${i}`, createdAt, siteId: null });
    expect(engine.logs(1).map((l) => l.message)).toEqual(['db write queue full, dropped log']);
    await writer.flush();
    engine.addLog('from the engine');
    await writer.flush();
    const stored = (await db.log.findMany({ select: { message: true } })).map((row) => row.message);
    expect(stored).toContain('from the engine');
    expect(stored).toContain('line 9');
    expect(stored).not.toContain('line 10');
    expect(stored).not.toContain('db write queue full, dropped log');
  });
});
