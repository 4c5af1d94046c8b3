// Entry of sweep worker threads. Loader hooks registered in the main thread do not reach a worker,
// so when the worker must load TypeScript (the sweep run from source under tsx or vitest, or a
// user's .ts scenario module: `workerData.typescript`) it registers tsx itself, if installed.
// Built ckptsim runs compiled JavaScript and needs no tsx.
import { workerData } from 'node:worker_threads';

if (workerData.typescript === true || /\.[cm]?ts$/.test(workerData.entry)) {
  let api;
  try {
    api = await import('tsx/esm/api');
  } catch {
    throw new Error('loading TypeScript modules needs tsx: npm install --save-dev tsx');
  }
  api.register();
}
await import(workerData.entry);
