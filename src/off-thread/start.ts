import { Worker } from 'node:worker_threads';

/**
 * Starts a worker thread running the TypeScript module `module` (a file URL), which reads `data` as
 * `workerData.data`.
 */
export function startWorker(module: URL, data: unknown): Worker {
  return new Worker(new URL('./entry.mjs', import.meta.url), { workerData: { module: module.href, data } });
}
