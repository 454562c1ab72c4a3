/**
 * Orders reads of the Site table against removals, so a read that began before a site was removed cannot bring it
 * back when its answer arrives after. A removal fences only the reads older than itself: a later read that finds a
 * site under the same id (an import can write explicit ids) is a new site and is let through.
 */
export class LoadFence {
  private epoch = 0;
  /** Epochs of the reads in flight, oldest first (a Set iterates in insertion order). */
  private readonly reads = new Set<number>();
  /** Site id → epoch of its removal, kept while a read older than that removal is in flight. */
  private readonly removals = new Map<number, number>();

  /** Runs a read and the application of its answer as one fenced read; `fn` gets the read's epoch for admits(). */
  async read<T>(fn: (epoch: number) => Promise<T>): Promise<T> {
    const epoch = ++this.epoch;
    this.reads.add(epoch);
    try {
      return await fn(epoch);
    } finally {
      this.reads.delete(epoch);
      const oldest = this.reads.values().next().value ?? Infinity;
      for (const [id, removedAt] of this.removals) if (removedAt < oldest) this.removals.delete(id);
    }
  }

  removed(siteId: number): void {
    if (this.reads.size > 0) this.removals.set(siteId, ++this.epoch);
  }

  /** What the read begun at `epoch` found of this site may be applied: the site was not removed since it began. */
  admits(siteId: number, epoch: number): boolean {
    return (this.removals.get(siteId) ?? 0) < epoch;
  }
}
