// Entry of sweep worker threads. Loader hooks registered in the main thread do not reach a worker,
// so a sweep run from source (under tsx or vitest: the entry is TypeScript) registers tsx here.
// Built ckptsim's entry is compiled JavaScript and needs no tsx.
import { workerData } from 'node:worker_threads';

if (workerData.entry.endsWith('.ts')) (await import('tsx/esm/api')).register();
await import(workerData.entry);
