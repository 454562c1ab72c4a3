import type { Plan, PlanAction } from './types.ts';

const SIGN: Record<PlanAction, string> = { create: '+', update: '~', delete: '-' };

/** `+ create monitor "api"`, `~ update monitor "web" (interval, url)`, `- delete alert "old"`, then the summary. */
export function formatPlan(plan: Plan): string {
  const lines = plan.changes.map(
    (c) => `${SIGN[c.action]} ${c.action} ${c.kind} ${JSON.stringify(c.name)}${c.changes?.length ? ` (${c.changes.join(', ')})` : ''}`,
  );
  return [...lines, plan.summary].join('\n');
}
