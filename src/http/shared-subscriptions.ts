import { GraphQLError, type ExecutionResult } from 'graphql';
import type { Logger } from '../log.ts';

/** Results one subscriber may have waiting before it is dropped as too slow (a dead or stalled client). */
export const MAX_PENDING_RESULTS = 1_000;

type Source = AsyncIterator<ExecutionResult>;

/** One subscriber's view of a shared stream: its own queue, so it never holds up the others. */
class Member implements AsyncIterableIterator<ExecutionResult> {
  private readonly queue: ExecutionResult[] = [];
  private waiting: ((result: IteratorResult<ExecutionResult>) => void) | null = null;
  private failure: unknown = null;
  private finished = false;

  constructor(private readonly leave: (member: Member) => void) {}

  push(result: ExecutionResult): void {
    if (this.finished) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = null;
      resolve({ value: result, done: false });
    } else if (this.queue.length >= MAX_PENDING_RESULTS) {
      this.fail(new GraphQLError(`subscriber too slow: more than ${MAX_PENDING_RESULTS} results waiting; subscribe again`));
    } else {
      this.queue.push(result);
    }
  }

  /** Ends the stream after the results already queued; an error is thrown to the consumer once they are taken. */
  end(err?: unknown): void {
    if (this.finished) return;
    this.finished = true;
    this.failure = err ?? null;
    this.leave(this);
    if (this.waiting && !this.queue.length) {
      const resolve = this.waiting;
      this.waiting = null;
      resolve({ value: undefined, done: true });
    }
  }

  private fail(err: unknown): void {
    this.queue.length = 0;
    this.end(err);
  }

  next(): Promise<IteratorResult<ExecutionResult>> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve({ value: queued, done: false });
    if (this.finished) {
      const failure = this.failure;
      this.failure = null;
      return failure ? Promise.reject(failure) : Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve) => (this.waiting = resolve));
  }

  return(): Promise<IteratorResult<ExecutionResult>> {
    this.queue.length = 0;
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

/** One executed subscription whose every result goes to all of its members. */
class Group {
  readonly members = new Set<Member>();

  constructor(
    private readonly source: Source,
    private readonly onEmpty: () => void,
    private readonly logger: Logger,
  ) {}

  add(): Member {
    const member = new Member((m) => this.remove(m));
    this.members.add(member);
    return member;
  }

  async pump(): Promise<void> {
    let failure: unknown;
    try {
      for (;;) {
        const { value, done } = await this.source.next();
        if (done) break;
        for (const member of this.members) member.push(value);
      }
    } catch (err) {
      failure = err;
    }
    this.onEmpty();
    for (const member of [...this.members]) member.end(failure);
  }

  private remove(member: Member): void {
    if (!this.members.delete(member) || this.members.size) return;
    this.onEmpty();
    this.source.return?.().catch((err: unknown) => this.logger.warn({ err }, 'shared subscription: ending its source failed'));
  }
}

/**
 * Executes a subscription once for every group of subscribers that would get identical results, and hands each
 * result to all of them. Fan-out then costs a queue push and a socket write per subscriber instead of a whole
 * GraphQL execution each (resolvers, plugins, error masking): that is what keeps a status change reaching
 * thousands of dashboards within a fraction of a second.
 *
 * Callers decide what "identical" means through the key: the operation text, its variables and the viewer's
 * identity and rights, so a result never reaches anyone it was not computed for. Every subscriber is still
 * subscribed on its own first (authorization, argument validation); only its stream is then replaced.
 */
export class SharedSubscriptions {
  private readonly groups = new Map<string, Group>();

  constructor(private readonly logger: Logger) {}

  /** `own` is this subscriber's own subscription; it is kept only when it starts a new group. */
  share(key: string, own: AsyncIterable<ExecutionResult>): AsyncIterableIterator<ExecutionResult> {
    const existing = this.groups.get(key);
    if (existing) {
      own[Symbol.asyncIterator]()
        .return?.()
        ?.catch((err: unknown) => this.logger.warn({ err }, 'shared subscription: ending a duplicate source failed'));
      return existing.add();
    }
    const group = new Group(own[Symbol.asyncIterator](), () => this.groups.get(key) === group && this.groups.delete(key), this.logger);
    this.groups.set(key, group);
    const member = group.add();
    group.pump().catch((err: unknown) => this.logger.error({ err }, 'shared subscription: pump failed'));
    return member;
  }

  /** Groups currently executing, for tests and metrics. */
  get size(): number {
    return this.groups.size;
  }
}
