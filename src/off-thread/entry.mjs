// A worker's first module. Node 20 will not start a worker from a .ts file, and a worker started from a test runner
// has no TypeScript loader of its own: this plain module registers tsx, then imports the worker's TypeScript module.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.module);
