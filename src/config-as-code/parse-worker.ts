import { parentPort, workerData } from 'node:worker_threads';
import { ConfigFileError } from './errors.ts';
import { parseConfigFile } from './parse.ts';
import { MONITORS_PER_REPLY, type ParseReply, type ParseRequest } from './parse-off-thread.ts';

/*
 * The worker side of `parseConfigText`: parses the whole file, then answers each message of the main thread with the
 * next part of the result, so that no one message takes long to read there.
 */
const { text, fileName, options } = (workerData as { data: ParseRequest }).data;

const replies: ParseReply[] = await parseConfigFile(text, fileName, options).then(
  ({ monitors, alerts, maintenance }) => {
    const parts: ParseReply[] = [];
    for (let start = 0; start < monitors.length; start += MONITORS_PER_REPLY) {
      parts.push({ kind: 'monitors', monitors: monitors.slice(start, start + MONITORS_PER_REPLY) });
    }
    return [...parts, { kind: 'parsed', alerts, maintenance }];
  },
  (err: unknown): ParseReply[] => [
    err instanceof ConfigFileError
      ? { kind: 'invalid', issues: err.issues }
      : { kind: 'failed', message: err instanceof Error ? (err.stack ?? err.message) : String(err) },
  ],
);

parentPort?.on('message', () => parentPort?.postMessage(replies.shift()));
