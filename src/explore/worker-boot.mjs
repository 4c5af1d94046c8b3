// Entry of sweep worker threads: registers tsx so the worker can load TypeScript, then loads it.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.entry);
