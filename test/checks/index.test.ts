import { describe, expect, it } from 'vitest';
import { runCheck } from '../../src/engine/checks/index.ts';
import type { CheckTarget } from '../../src/engine/checks/types.ts';
import { allowPrivate, site } from './fixtures.ts';

describe('runCheck', () => {
  it.each(['PUSH', 'GROUP', 'SMTP'])('is DOWN for %s, which has no outbound check', async (type) => {
    expect(await runCheck(site({ type: type as CheckTarget['type'] }), allowPrivate)).toEqual({
      status: 'DOWN',
      statusCode: null,
      latencyMs: null,
      hasSsl: false,
      certExpiresAt: null,
      message: `unsupported monitor type: ${type}`,
    });
  });

  it('turns a failure inside a checker into DOWN instead of rejecting', async () => {
    // A getter that throws stands in for any unexpected failure below the checker.
    const broken = Object.defineProperty(site({ type: 'PORT', port: 80 }), 'hostname', {
      get() {
        throw new Error('config exploded');
      },
    });
    expect(await runCheck(broken, allowPrivate)).toMatchObject({ status: 'DOWN', message: 'config exploded' });
  });
});
