import type {
  EngineApi,
  EngineStatusSnapshot,
  HeartbeatResult,
  LiveSiteState,
  LogRecord,
  PublicSiteConfig,
  RecentResult,
  TestAlertResult,
} from '../engine/types.ts';
import { CliError } from './errors.ts';

/**
 * The engine as the services see it in a process that runs none (the `uptop` command): it knows no site and checks
 * nothing. Its change notifications have nothing left to do: each CLI transaction announces its change to a running
 * server through the change signal (db/change-signal.ts), committed with the change itself.
 */
export class OfflineEngine implements EngineApi {
  readonly running = false;
  readonly reloads = 0;

  siteIds(): number[] {
    return [];
  }

  getState(): LiveSiteState | undefined {
    return undefined;
  }

  getSite(): PublicSiteConfig | undefined {
    return undefined;
  }

  displayStatus(): 'PENDING' {
    return 'PENDING';
  }

  recentResults(): RecentResult[] {
    return [];
  }

  isInMaintenance(): boolean {
    return false;
  }

  status(): EngineStatusSnapshot {
    return {
      running: false,
      cluster: null,
      sites: 0,
      up: 0,
      down: 0,
      pending: 0,
      paused: 0,
      maintenance: 0,
      queueDepth: 0,
      droppedWrites: 0,
      writesFailingSince: null,
      writesFailing: null,
      checksPerMinute: 0,
    };
  }

  logs(): LogRecord[] {
    return [];
  }

  async siteChanged(): Promise<void> {}

  siteRemoved(): void {}

  async maintenanceChanged(): Promise<void> {}

  async alertChannelsChanged(): Promise<void> {}

  /** With no world in memory to replace, a reload is only the change it wraps (an import's transaction). */
  async reload(apply?: () => Promise<void>): Promise<void> {
    await apply?.();
  }

  async checkNow(): Promise<void> {
    throw new CliError('checks run in the server (uptop serve), not in this command');
  }

  heartbeat(): HeartbeatResult {
    return { ok: false, reason: 'inactive' };
  }

  beatChangesStatus(): boolean {
    return false;
  }

  async testAlert(): Promise<TestAlertResult> {
    throw new CliError('test alerts are sent by the server (uptop serve), not by this command');
  }
}
