import { execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The repository root. */
export const repoRoot = resolve(import.meta.dirname, '../..');

/** The repository's TypeScript compiler: a user project runs it as its own `tsc`. */
export const tscPath = join(repoRoot, 'node_modules/typescript/bin/tsc');

/**
 * The README blocks the packed-package test runs: each fenced block right after a
 * `<!-- packed-test: NAME -->` line, by NAME (a file name, or `NAME output` for the text a file
 * prints). The README is the one source of these snippets; the test writes them into the project.
 */
export function readmeBlocks(): ReadonlyMap<string, string> {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const blocks = new Map<string, string>();
  for (const match of readme.matchAll(/^<!-- packed-test: (.+?) -->\n```[a-z]*\n([\s\S]*?)^```$/gm)) blocks.set(match[1] as string, match[2] as string);
  return blocks;
}

/** A fresh npm project with ckptsim installed from its packed tarball, as a user installs it. */
export interface PackedProject {
  readonly directory: string;
  readonly tarball: string;
  /** Runs a command in the project (no shell), with the project's node_modules/.bin first on PATH. */
  run(command: string, args: readonly string[], env?: Readonly<Record<string, string>>): SpawnSyncReturns<string>;
}

/**
 * Packs the repository (dist/ as vitest's global setup built it; `--ignore-scripts` so packing
 * does not build again) and installs the tarball into a new project in the OS temp dir, with the
 * vitest and tsx versions the repository itself pins. `--prefer-offline`: npm's cache, filled by
 * the repository's own install, serves them without the network.
 */
export function createPackedProject(): PackedProject {
  const directory = mkdtempSync(join(tmpdir(), 'ckptsim-user-'));
  const packed = JSON.parse(execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', directory], { cwd: repoRoot, encoding: 'utf8' })) as Array<{ filename: string }>;
  const tarball = join(directory, (packed[0] as { filename: string }).filename);
  const pins = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> }).devDependencies;
  writeFileSync(join(directory, 'package.json'), `${JSON.stringify({ name: 'ckptsim-user', private: true, type: 'module' }, null, 2)}\n`);
  execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--save-dev', tarball, `vitest@${pins['vitest']}`, `tsx@${pins['tsx']}`], { cwd: directory, stdio: ['ignore', 'ignore', 'pipe'] });
  const path = `${join(directory, 'node_modules', '.bin')}:${process.env['PATH'] ?? ''}`;
  // This process may itself be a vitest worker: its VITEST* variables would confuse a nested vitest.
  const base = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('VITEST')));
  return {
    directory,
    tarball,
    run: (command, args, env = {}) => spawnSync(command, args, { cwd: directory, encoding: 'utf8', env: { ...base, NO_COLOR: '1', ...env, PATH: path }, maxBuffer: 64 << 20 }),
  };
}
