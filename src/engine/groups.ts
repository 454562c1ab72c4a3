import type { MonitorType, SiteStatus } from '../generated/prisma/client.ts';
import { MAX_MESSAGE_LENGTH, truncateMessage } from './checks/result.ts';
import { isBroken } from './state-machine.ts';

export interface GroupChild {
  name: string;
  type: MonitorType;
  status: SiteStatus;
  paused: boolean;
}

export interface GroupVerdict {
  status: SiteStatus;
  /** Names the broken children when the group is DOWN; empty otherwise. */
  reason: string;
}

const RANK: Record<SiteStatus, number> = { UP: 0, PENDING: 1, LATE: 2, STALE: 3, DOWN: 4, SSL_EXPIRED: 4 };

/**
 * DOWN > STALE > LATE > PENDING > UP over the children that count: nested groups are ignored entirely, paused
 * children and children in maintenance are skipped. No children at all gives PENDING; only skipped children, UP.
 */
export function groupStatus<C extends GroupChild>(children: Iterable<C>, inMaintenance: (child: C) => boolean): GroupVerdict {
  let hasChildren = false;
  let status: SiteStatus = 'UP';
  let broken: string[] | null = null;
  for (const child of children) {
    if (child.type === 'GROUP') continue;
    hasChildren = true;
    if (child.paused || inMaintenance(child)) continue;
    if (isBroken(child.status)) (broken ??= []).push(`'${child.name}'`);
    if (RANK[child.status] > RANK[status]) status = isBroken(child.status) ? 'DOWN' : child.status;
  }
  if (!hasChildren) return { status: 'PENDING', reason: '' };
  if (!broken) return { status, reason: '' };
  return { status, reason: brokenChildrenReason(broken) };
}

/**
 * Names as many broken children as the reason's bound holds and counts the rest: a large group going down at once
 * named them all, and the alert grew past what Teams or Matrix accept (refused, so lost), as well as past the bound
 * the history and the UI rely on.
 */
function brokenChildrenReason(names: readonly string[]): string {
  if (names.length === 1) return truncateMessage(`child ${names[0]} is down`);
  const ending = (shown: number) => (shown === names.length ? ' are down' : ` and ${names.length - shown} more are down`);
  let listed = `children ${names[0]}`;
  let shown = 1;
  while (shown < names.length && `${listed}, ${names[shown]}${ending(shown + 1)}`.length <= MAX_MESSAGE_LENGTH) listed += `, ${names[shown++]}`;
  return truncateMessage(listed + ending(shown));
}
