import { z } from 'zod';
import { type HttpAnswer, sendHttp } from '../http.ts';
import type { TransportContext } from '../types.ts';

/** How soon Opsgenie is asked again about a request it has not processed yet. */
export const REQUEST_STATUS_POLL_MS = 500;

const accepted = z.object({ requestId: z.string().min(1) });
const requestStatus = z.object({ data: z.object({ isSuccess: z.boolean(), status: z.string() }) });

/** Opsgenie's answer about a request it has not processed yet, which its own SDK waits out. */
const notProcessed = (answer: HttpAnswer) => answer.status === 404 && answer.headers['x-opsgenie-errortype'] === 'RequestNotProcessed';

function parsed<T>(schema: z.ZodType<T>, text: string): T | null {
  try {
    const result = schema.safeParse(JSON.parse(text));
    return result.success ? result.data : null;
  } catch {
    return null;
  }
}

/**
 * Resolves once Opsgenie has processed the request `accepted` answers (`202` and a request id), and fails if that
 * failed. Opsgenie processes creates and closes asynchronously, in no promised order (docs.opsgenie.com/docs/alert-api,
 * "Get Request Status"): a close sent at once after a create may be processed first, find no alert, and leave the one
 * created after it open. An answer that names no request (a gateway that is not Opsgenie) cannot be followed.
 */
export async function untilProcessed(alerts: string, headers: Record<string, string>, answer: HttpAnswer, ctx: TransportContext): Promise<void> {
  const request = parsed(accepted, answer.body);
  if (!request) return;
  const url = `${alerts}/requests/${encodeURIComponent(request.requestId)}`;
  for (;;) {
    const status = await sendHttp({ method: 'GET', url, headers, operatorEndpoint: true, readAnswer: true, expected: notProcessed, service: 'Opsgenie' }, ctx);
    if (!notProcessed(status)) {
      const outcome = parsed(requestStatus, status.body);
      if (!outcome) throw new Error('Opsgenie told the status of the alert request in an answer uptop cannot read');
      if (!outcome.data.isSuccess) throw new Error(`Opsgenie did not process the alert request: ${outcome.data.status}`);
      return;
    }
    await ctx.wait(REQUEST_STATUS_POLL_MS);
  }
}
