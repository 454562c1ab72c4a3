import type { MonitorType, SiteStatus } from '../generated/prisma/client.ts';
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
  return { status, reason: `${broken.length === 1 ? 'child' : 'children'} ${broken.join(', ')} ${broken.length === 1 ? 'is' : 'are'} down` };
}
