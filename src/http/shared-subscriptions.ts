import type { ExecutionResult } from 'graphql';
import type { Logger } from '../log.ts';

/** Writes one `next` result, already serialized as JSON, to one subscriber. */
export type DeliverJson = (payloadJson: string) => void;

/**
 * One subscriber of a shared stream, as graphql-ws sees it: an iterator that yields nothing itself (its results
 * are written straight to the subscriber's socket) and ends, or fails, when the shared stream does or when
 * graphql-ws returns it (the client completed the operation or went away).
 */
class Member implements AsyncIterableIterator<never> {
  private settle: { resolve: (r: IteratorResult<never>) => void; reject: (err: unknown) => void } | null = null;
  private failure: unknown = null;
  private finished = false;

  constructor(
    private readonly deliverJson: DeliverJson,
    private readonly leave: (member: Member) => void,
  ) {}

  deliver(payloadJson: string): void {
    if (!this.finished) this.deliverJson(payloadJson);
  }

  end(err?: unknown): void {
    if (this.finished) return;
    this.finished = true;
    this.failure = err ?? null;
    this.leave(this);
    const settle = this.settle;
    this.settle = null;
    if (!settle) return;
    if (err) settle.reject(err);
    else settle.resolve({ value: undefined, done: true });
  }

  next(): Promise<IteratorResult<never>> {
    if (this.finished) {
      const failure = this.failure;
      this.failure = null;
      return failure ? Promise.reject(failure) : Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => (this.settle = { resolve, reject }));
  }

  return(): Promise<IteratorResult<never>> {
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

/** One executed subscription whose every result is serialized once and written to all of its members. */
class Group {
  readonly members = new Set<Member>();

  constructor(
    private readonly source: AsyncIterator<ExecutionResult>,
    private readonly onEmpty: () => void,
    private readonly logger: Logger,
  ) {}

  add(deliverJson: DeliverJson): Member {
    const member = new Member(deliverJson, (m) => this.remove(m));
    this.members.add(member);
    return member;
  }

  async pump(): Promise<void> {
    let failure: unknown;
    try {
      for (;;) {
        const { value, done } = await this.source.next();
        if (done) break;
        const json = JSON.stringify(value);
        for (const member of this.members) member.deliver(json);
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
 * Executes a subscription once for every group of subscribers that would get identical results, serializes each
 * result once, and writes it to all of them. Fan-out then costs a string concatenation and a socket write per
 * subscriber instead of a whole GraphQL execution and serialization each (resolvers, plugins, error masking,
 * JSON): that is what lets a status change reach thousands of dashboards within a fraction of a second.
 *
 * Callers decide what "identical" means through the key: the operation text, its variables and the viewer's
 * identity and rights, so a result never reaches anyone it was not computed for. Every subscriber is still
 * subscribed on its own first (authorization, argument validation); only its stream is then replaced.
 */
export class SharedSubscriptions {
  private readonly groups = new Map<string, Group>();

  constructor(private readonly logger: Logger) {}

  /**
   * `own` is this subscriber's own subscription; it is kept only when it starts a new group. Results reach the
   * subscriber through `deliverJson`; the returned iterator ends when the stream does.
   */
  share(key: string, own: AsyncIterable<ExecutionResult>, deliverJson: DeliverJson): AsyncIterableIterator<never> {
    const existing = this.groups.get(key);
    if (existing) {
      own[Symbol.asyncIterator]()
        .return?.()
        ?.catch((err: unknown) => this.logger.warn({ err }, 'shared subscription: ending a duplicate source failed'));
      return existing.add(deliverJson);
    }
    const group: Group = new Group(
      own[Symbol.asyncIterator](),
      () => {
        if (this.groups.get(key) === group) this.groups.delete(key);
      },
      this.logger,
    );
    this.groups.set(key, group);
    const member = group.add(deliverJson);
    group.pump().catch((err: unknown) => this.logger.error({ err }, 'shared subscription: pump failed'));
    return member;
  }

  /** Groups currently executing, for tests and metrics. */
  get size(): number {
    return this.groups.size;
  }
}
