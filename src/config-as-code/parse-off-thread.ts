import type { Worker } from 'node:worker_threads';
import { startWorker } from '../off-thread/start.ts';
import { turns } from '../turns.ts';
import { ConfigFileError, type ConfigIssue } from './errors.ts';
import { parseConfigFile, type ParseOptions } from './parse.ts';
import type { ConfigAlert, ConfigMonitor, ConfigWindow, ParsedConfig } from './types.ts';

/**
 * From this length on, a file is parsed in a worker thread. The yaml package reads a file in one piece: about 20 ms
 * for this much, half a second or more for the export of 10,000 monitors, while every check timer and request waits.
 * A smaller file is parsed here, sparing it the worker's start.
 */
export const OFF_THREAD_CHARS = 64 * 1024;

/** How many monitors the worker hands over per message: one message is read in one piece. */
export const MONITORS_PER_REPLY = 500;

export interface ParseRequest {
  text: string;
  fileName: string;
  options: ParseOptions;
}

export type ParseReply =
  | { kind: 'monitors'; monitors: ConfigMonitor[] }
  | { kind: 'parsed'; alerts: ConfigAlert[]; maintenance: ConfigWindow[] }
  | { kind: 'invalid'; issues: readonly ConfigIssue[] }
  | { kind: 'failed'; message: string };

/** The worker, asked for one reply at a time; how it stopped, if it did, rejects every question after. */
class ParserThread {
  private readonly worker: Worker;
  private stopped: Error | undefined;
  private pending: ((reply: ParseReply | Error) => void) | undefined;

  constructor(request: ParseRequest) {
    this.worker = startWorker(new URL('./parse-worker.ts', import.meta.url), request);
    this.worker.on('message', (reply: ParseReply) => this.answer(reply));
    // Listened to for the worker's whole life: an 'error' no one listens to would end the process.
    this.worker.on('error', (err: Error) => this.stop(err));
    this.worker.on('exit', (code: number) => this.stop(new Error(`the config file's parser stopped before it answered (exit code ${code})`)));
  }

  next(): Promise<ParseReply> {
    if (this.stopped) return Promise.reject(this.stopped);
    return new Promise((resolve, reject) => {
      this.pending = (reply) => (reply instanceof Error ? reject(reply) : resolve(reply));
      this.worker.postMessage(null);
    });
  }

  async close(): Promise<void> {
    this.stopped ??= new Error("the config file's parser was closed");
    await this.worker.terminate();
  }

  private stop(err: Error): void {
    this.stopped ??= err;
    this.answer(this.stopped);
  }

  private answer(reply: ParseReply | Error): void {
    const pending = this.pending;
    this.pending = undefined;
    pending?.(reply);
  }
}

/**
 * `parseConfigFile`, off the main thread for a large file: the same result, the same ConfigFileError. The result comes
 * back a part per turn of the event loop.
 */
export async function parseConfigText(text: string, fileName: string, options: ParseOptions = {}): Promise<ParsedConfig> {
  if (text.length < OFF_THREAD_CHARS) return parseConfigFile(text, fileName, options);
  const parser = new ParserThread({ text, fileName, options });
  try {
    const monitors: ConfigMonitor[] = [];
    for (;;) {
      await turns.next();
      const reply = await parser.next();
      switch (reply.kind) {
        case 'monitors':
          monitors.push(...reply.monitors);
          break;
        case 'parsed':
          return { fileName, alerts: reply.alerts, monitors, maintenance: reply.maintenance };
        case 'invalid':
          throw new ConfigFileError(fileName, reply.issues);
        case 'failed':
          throw new Error(`parsing ${fileName} failed: ${reply.message}`);
      }
    }
  } finally {
    await parser.close();
  }
}
