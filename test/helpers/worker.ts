/**
 * Worker threads running TypeScript test fixtures: Node 20 does not pass tsx's loader on to a worker
 * given a .ts file, so the worker starts from a one-line script that imports the fixture through
 * tsx's own API.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/** tsx's ES module API (its CommonJS build cannot register the loader in a worker). */
const TSX_API = pathToFileURL(
  join(dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist/esm/api/index.mjs'),
).href;

/** Starts `file` (a .ts path) on a worker thread with `workerData`. */
export function tsWorker(file: string, workerData: unknown): Worker {
  const url = JSON.stringify(pathToFileURL(file).href);
  const boot = `import(${JSON.stringify(TSX_API)}).then((tsx) => tsx.tsImport(${url}, ${url}))`;
  return new Worker(boot, { eval: true, workerData });
}
