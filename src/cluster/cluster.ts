import os from 'node:os';
import type { Clock } from '../clock.ts';
import type { Provider } from '../db/store.ts';
import { publishConfirmed, type AppPubSub } from '../engine/events.ts';
import type { EngineRelay } from '../engine/engine.ts';
import type { ClusterStatus } from '../engine/types.ts';
import type { Logger } from '../log.ts';
import type { WriteFencing, Writer } from '../writer/types.ts';
import type { AlertMessage } from '../alerts/types.ts';
import type { SendOutcome, StoredChannel } from '../alerts/dispatcher.ts';
import { fencedWriter } from './fenced-writer.ts';
import { OutboxSender } from './outbox.ts';
import { ClusterNode, type ClusterTiming, type OwnershipListener } from './node.ts';
import { type RelayTarget, startRelay } from './relay.ts';
import { SLOT_COUNT, slotOf } from './slots.ts';

/**
 * Whether this process is one of several instances: on PostgreSQL it always is (a cluster of one is the same code,
 * holding every slot); SQLite is one machine's store and one instance's. `instanceId` names it in the lease table.
 */
export function clusterFencing(provider: Provider, instanceId: string | undefined): WriteFencing | null {
  if (provider !== 'postgresql') return null;
  return { owner: instanceId ?? `${os.hostname()}-${process.pid}`, slots: SLOT_COUNT, slotOf };
}

export interface ClusterOptions {
  fencing: WriteFencing;
  writer: Writer;
  pubsub: AppPubSub;
  clock: Clock;
  logger: Logger;
  /** Several instances share an event bus (Redis): beats are relayed to a site's owner and others' results mirrored. */
  sharedEvents: boolean;
  timing?: ClusterTiming;
}

/** What the cluster asks of this instance's engine. */
export interface ClusterEngine extends OwnershipListener, RelayTarget {
  deliverAlert(alertChannelId: number, alert: AlertMessage, via: StoredChannel | null): Promise<SendOutcome & { gone: boolean }>;
  addLog(message: string, siteId: number | null): void;
}

/** This instance's part in a cluster: its leases (ClusterNode), the fenced writer the engine uses, and the relay. */
export class Cluster {
  readonly node: ClusterNode;
  private relaying: { stop(): Promise<void> } | null = null;
  private outbox: OutboxSender | null = null;

  constructor(private readonly options: ClusterOptions) {
    const { fencing, writer, clock, logger, timing } = options;
    this.node = new ClusterNode({ instanceId: fencing.owner, writer, clock, logger, timing });
  }

  /** The engine's writer: site writes carry their slot's fence. */
  engineWriter(writer: Writer): Writer {
    return fencedWriter(writer, this.node);
  }

  /** How beats and probe results for a site another instance checks reach it; none without a shared event bus. */
  get relay(): EngineRelay | undefined {
    if (!this.options.sharedEvents) return undefined;
    const { pubsub } = this.options;
    return {
      // Confirmed: a beat, a check request or probe results that could not leave are refused to the sender, not lost.
      heartbeat: (token, report) => publishConfirmed(pubsub, 'cluster:heartbeat', { token, report }),
      checkNow: (siteId) => publishConfirmed(pubsub, 'cluster:checkNow', { siteId }),
      probeResults: (nodeId, results) => publishConfirmed(pubsub, 'cluster:probeResults', { nodeId, results: [...results] }),
    };
  }

  /** Joins before the engine starts, so its first schedule is of this instance's share; then sends its sites' alerts. */
  async join(engine: ClusterEngine): Promise<void> {
    if (this.options.sharedEvents) this.relaying = startRelay(this.options.pubsub, engine);
    await this.node.start(engine);
    const { writer, clock, logger } = this.options;
    this.outbox = new OutboxSender({
      instanceId: this.node.instanceId,
      writer,
      clock,
      logger,
      owns: (siteId) => this.node.owns(siteId),
      deliver: (channelId, alert, via) => engine.deliverAlert(channelId, alert, via),
      log: (message, siteId) => engine.addLog(message, siteId),
    });
    this.outbox.start();
  }

  /** Leaves before the engine stops: the slots go back at once instead of when their leases expire. */
  async leave(): Promise<void> {
    await this.outbox?.stop();
    await this.node.stop();
    await this.relaying?.stop();
  }

  status(): ClusterStatus {
    return this.node.status();
  }
}
