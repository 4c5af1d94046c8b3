import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findScenario } from '../../scenarios/index.js';
import { runCase } from '../../src/explore/run-case.js';
import { createPackedProject, readmeBlocks, repoRoot, tscPath, type PackedProject } from './packed-project.js';

/**
 * The package as a user gets it: `npm pack`, installed into a fresh project, used from plain
 * Node, the project's own strict `tsc`, vitest and the CLI. The code it runs is the README's
 * "Use it in your project" and library examples, taken from the README itself.
 */

const strictFlags = {
  target: 'es2022',
  module: 'nodenext',
  moduleResolution: 'nodenext',
  strict: true,
  exactOptionalPropertyTypes: true,
  noPropertyAccessFromIndexSignature: true,
  noUncheckedIndexedAccess: true,
  noUnusedLocals: true,
  noUnusedParameters: true,
  noEmit: true,
};

let project: PackedProject;
const blocks = readmeBlocks();

function block(name: string): string {
  const text = blocks.get(name);
  if (text === undefined) throw new Error(`README has no block marked <!-- packed-test: ${name} -->`);
  return text;
}

/** Runs a command in the project and returns its stdout; fails the test with stderr otherwise. */
function succeeds(command: string, args: readonly string[]): string {
  const result = project.run(command, args);
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status}\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

beforeAll(() => {
  project = createPackedProject();
  for (const name of ['library.ts', 'orders.ts', 'orders.test.ts', 'smoke.mjs']) writeFileSync(join(project.directory, name), block(name));
}, 180_000);

afterAll(() => {
  if (project !== undefined) rmSync(project.directory, { recursive: true, force: true });
});

describe('the packed package', () => {
  it('ships compiled JavaScript, declarations, the README, LICENSE and the results schema, and nothing of the repository besides', () => {
    const list = succeeds('tar', ['-tzf', project.tarball]).trim().split('\n').map((path) => path.replace(/^package\//, ''));
    expect(list).toEqual(expect.arrayContaining(['package.json', 'README.md', 'LICENSE', 'docs/results.schema.json', 'dist/src/index.js', 'dist/src/cli/main.js', 'dist/src/index.d.ts', 'dist/src/vitest/index.js', 'dist/src/explore/worker-boot.mjs', 'dist/src/report/html/report.js']));
    expect(list.filter((path) => !/^(dist\/(src|scenarios)\/.+\.(js|d\.ts|mjs|css)|package\.json|README\.md|LICENSE|docs\/results\.schema\.json)$/.test(path))).toEqual([]);
    expect(list.filter((path) => path.endsWith('.ts') && !path.endsWith('.d.ts'))).toEqual([]);
  });

  it('publint and Are the Types Wrong (ESM-only profile) report nothing', () => {
    const bin = join(repoRoot, 'node_modules', '.bin');
    const publint = project.run(join(bin, 'publint'), ['run', '--strict', project.tarball]);
    expect(`${publint.stdout}${publint.stderr}`).toContain('All good!');
    expect(publint.status).toBe(0);
    const attw = project.run(join(bin, 'attw'), [project.tarball, '--profile', 'esm-only', '--no-definitely-typed', '--format', 'json']);
    expect(attw.status, attw.stdout + attw.stderr).toBe(0);
    // The JSON lists every resolution's problems; the ESM-only profile ignores CommonJS require
    // (node16-cjs) and pre-exports resolution (node10), which an ESM-only package cannot serve.
    const problems = (JSON.parse(attw.stdout) as { analysis: { problems: Array<{ resolutionKind?: string }> } }).analysis.problems;
    expect(problems.filter((problem) => problem.resolutionKind !== 'node10' && problem.resolutionKind !== 'node16-cjs')).toEqual([]);
  }, 60_000);

  it('(a) a plain node script imports the API and runs a case, with the trace hash of the source', () => {
    const expected = runCase(findScenario('wordcount')!, { scenario: 'wordcount', seed: 7 });
    expect(succeeds('node', ['smoke.mjs']).trim()).toBe(`pass ${expected.traceHash}`);
  });

  it('(b) the user project type-checks under strict flags, with no @types installed', () => {
    // The API alone, declarations checked too (no skipLibCheck, no ambient types but the DOM's console).
    writeFileSync(join(project.directory, 'tsconfig.api.json'), JSON.stringify({ compilerOptions: { ...strictFlags, types: [], lib: ['es2022', 'dom'] }, files: ['library.ts', 'orders.ts'] }));
    succeeds('node', [tscPath, '-p', 'tsconfig.api.json']);
    // The whole project with its vitest tests (vitest's own declarations need skipLibCheck).
    writeFileSync(join(project.directory, 'tsconfig.json'), JSON.stringify({ compilerOptions: { ...strictFlags, skipLibCheck: true, types: [], lib: ['es2022', 'dom'] }, include: ['*.ts'] }));
    succeeds('node', [tscPath, '-p', 'tsconfig.json']);
    for (const types of ['node', 'seedrandom']) expect(existsSync(join(project.directory, 'node_modules', '@types', types))).toBe(false);
  }, 60_000);

  it("the README's library example prints what the README says", () => {
    expect(succeeds('tsx', ['library.ts'])).toBe(block('library.ts output'));
  }, 60_000);

  it("(c, d) the README's CI steps pass: the project's vitest properties and a sweep over its scenario", () => {
    // The README's commands as written, but for a smaller sweep: the point is that it runs.
    for (const line of block('ci.sh').trim().split('\n')) {
      const [command, ...args] = line.replace('--runs 100', '--runs 12').split(/\s+/);
      succeeds(command as string, args);
    }
    const out = join(project.directory, 'reports', 'ckptsim');
    for (const file of ['results.json', 'report.md', 'report.html', 'junit.xml']) expect(existsSync(join(out, file))).toBe(true);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain('orders');
  }, 120_000);

  it('(d) npx ckptsim runs a case and a sweep with worker threads from the installed package', () => {
    expect(succeeds('npx', ['ckptsim', 'run', 'wordcount', '--seed', '7'])).toMatch(/^wordcount seed 7: PASS/);
    succeeds('npx', ['ckptsim', 'sweep', 'wordcount', '--runs', '6', '--workers', '2', '--out', 'reports/builtin']);
    expect((JSON.parse(readFileSync(join(project.directory, 'reports', 'builtin', 'results.json'), 'utf8')) as { cases: unknown[] }).cases).toHaveLength(6);
  }, 120_000);

  it('(c) a failing protocolTest.prop fails with the shrunk plan and a replay command that works, and attaches report.html and the Perfetto trace', () => {
    // The README's orders scenario with a planted bug: its sink commits at snapshot time instead
    // of on the checkpoint-complete notification.
    writeFileSync(
      join(project.directory, 'planted.ts'),
      [
        "import type { Scenario } from 'ckptsim';",
        "import { orders } from './orders.js';",
        'export default {',
        "  ...orders,",
        "  name: 'orders-planted',",
        '  build: (parameters, input) => {',
        '    const setup = orders.build(parameters, input);',
        "    return { ...setup, cluster: { ...setup.cluster, plantedBugs: ['sink-commits-on-snapshot'] } };",
        '  },',
        '} satisfies Scenario;',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(project.directory, 'planted.test.ts'),
      [
        "import { protocolTest } from 'ckptsim/vitest';",
        "import planted from './planted.js';",
        "protocolTest.prop('my sink survives crashes', { scenario: planted, module: './planted.ts', profile: 'crashes', properties: ['exactly-once'], runs: 40, seed: 3, artifactsDir: 'artifacts' });",
        '',
      ].join('\n'),
    );
    // A reporter of the user's that records the annotations vitest's reporters receive.
    writeFileSync(
      join(project.directory, 'annotations.reporter.mjs'),
      "import { writeFileSync } from 'node:fs';\nexport default class { seen = []; onTestCaseAnnotate(test, annotation) { this.seen.push(annotation); } onTestRunEnd() { writeFileSync('annotations.json', JSON.stringify(this.seen)); } }\n",
    );
    const result = project.run('vitest', ['run', 'planted.test.ts', '--reporter=default', '--reporter=./annotations.reporter.mjs']);
    expect(result.status).toBe(1);
    const output = `${result.stdout}${result.stderr}`;
    expect(output).toMatch(/my sink survives crashes: exactly-once violated in orders-planted seed \d+ \(run \d+, shrunk \d+ time\(s\)\)/);
    expect(output).toMatch(/plan: \[\{"kind":/);
    const token = /replay: npx ckptsim replay (ckpt1\.[A-Za-z0-9_-]+\.[0-9a-f]+)/.exec(output)?.[1];
    if (token === undefined) throw new Error(`no replay command in\n${output}`);
    // The printed command works as printed: the token names planted.ts, which replay loads.
    const replay = project.run('npx', ['ckptsim', 'replay', token]);
    expect(replay.status, replay.stderr).toBe(1);
    expect(replay.stdout).toMatch(/^orders-planted seed \d+: FAIL/);
    expect(replay.stdout).toContain('exactly-once');
    const annotations = JSON.parse(readFileSync(join(project.directory, 'annotations.json'), 'utf8')) as Array<{ type: string; attachment?: { path?: string; contentType?: string } }>;
    const attached = (type: string): string => {
      const path = annotations.find((annotation) => annotation.type === type)?.attachment?.path;
      if (path === undefined) throw new Error(`no ${type} annotation with a file among ${JSON.stringify(annotations)}`);
      return readFileSync(isAbsolute(path) ? path : join(project.directory, path), 'utf8');
    };
    expect(attached('ckptsim-report')).toMatch(/^<!doctype html>/i);
    expect(JSON.parse(attached('ckptsim-trace'))).toHaveProperty('traceEvents');
    expect(existsSync(join(project.directory, 'artifacts', 'report.html'))).toBe(true);
  }, 120_000);
});
