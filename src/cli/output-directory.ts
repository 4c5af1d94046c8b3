import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UsageError } from '../explore/scenario.js';

/**
 * Creates an output directory (`--out`) and the parents it lacks, one level at a time, failing
 * fast with one sentence when it cannot: node's recursive mkdir retries forever under a parent
 * that refuses new entries without saying so (`/proc/x`). The walk up is bounded by the path's
 * depth.
 */
export function makeOutputDirectory(directory: string): void {
  const cannot = (why: string): UsageError => new UsageError(`cannot create the output directory '${directory}': ${why}`);
  const missing: string[] = [];
  let current = resolve(directory);
  for (;;) {
    let isDirectory: boolean;
    try {
      isDirectory = statSync(current).isDirectory();
    } catch (error) {
      // ENOTDIR: a file stands where a parent should be; the walk up finds it and says so.
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw cannot(`${(error as NodeJS.ErrnoException).code ?? 'error'} at '${current}'`);
      missing.unshift(current);
      const parent = dirname(current);
      if (parent === current) throw cannot('no part of the path exists');
      current = parent;
      continue;
    }
    if (!isDirectory) throw cannot(`'${current}' is a file, not a directory`);
    break;
  }
  for (const level of missing) {
    try {
      mkdirSync(level);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' && statSync(level).isDirectory()) continue;
      throw cannot(`${code ?? 'error'} making '${level}'`);
    }
  }
  try {
    accessSync(directory, constants.W_OK);
  } catch {
    throw cannot('it is not writable');
  }
}
