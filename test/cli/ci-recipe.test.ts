import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { descendants, parseXml } from '../report/strict-xml.js';

/**
 * The CI recipes of docs/ci/ run locally: their shell steps, taken from the files as written,
 * with `npx ckptsim` pointed at this checkout and the CI system's variables set by hand. Small
 * sweeps (one case per scenario), since this is about the plumbing.
 */
const repository = resolve('.');
const ckptsim = `node '${join(repository, 'bin', 'ckptsim.js')}'`;

/** The `run: |` blocks of a GitHub workflow, by job, in order. */
function runBlocks(workflow: string): Map<string, string[]> {
  const blocks = new Map<string, string[]>();
  const lines = workflow.split('\n');
  let job = '';
  let inJobs = false;
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] as string;
    if (/^jobs:\s*$/.test(line)) inJobs = true;
    const jobMatch = inJobs ? /^ {2}([\w-]+):\s*$/.exec(line) : null;
    if (jobMatch !== null) job = jobMatch[1] as string;
    const run = /^(\s+)run: \|\s*$/.exec(line);
    if (run === null) continue;
    const indent = (run[1] as string).length;
    const body: string[] = [];
    while (index + 1 < lines.length && (/^\s*$/.test(lines[index + 1] as string) || /^\s*/.exec(lines[index + 1] as string)![0].length > indent)) body.push((lines[++index] as string).slice(indent + 2));
    blocks.set(job, [...(blocks.get(job) ?? []), body.join('\n')]);
  }
  return blocks;
}

/** Runs a step's script as GitHub does (bash -e -o pipefail) in `cwd` with `env`. */
function step(script: string, cwd: string, env: Record<string, string>) {
  const result = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script.replaceAll('npx ckptsim', ckptsim)], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...env } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('the GitHub Actions workflow of docs/ci', () => {
  const workflow = readFileSync('docs/ci/github-actions.yml', 'utf8');
  const blocks = runBlocks(workflow);

  it('shards, merges and writes the summary, as its steps say, and the merge refuses a missing shard', () => {
    expect([...blocks.keys()]).toEqual(['sweep', 'merge']);
    const shards = Number(/^ {2}CKPTSIM_SHARDS: (\d+)$/m.exec(workflow)?.[1]);
    expect(/shard: \[([\d, ]+)\]/.exec(workflow)?.[1]?.split(', ').map(Number)).toEqual(Array.from({ length: shards }, (_, index) => index + 1));
    const work = mkdtempSync(join(tmpdir(), 'ckptsim-gha-'));
    // Three shards of a sweep of one case per scenario, instead of the file's numbers.
    const env = { CKPTSIM_RUNS: '1', CKPTSIM_SEED: '1', CKPTSIM_SHARDS: '3', GITHUB_ACTIONS: 'true' };
    for (const shard of [1, 2, 3]) {
      const job = join(work, `sweep-${shard}`);
      mkdirSync(job);
      const [sweep] = blocks.get('sweep')!;
      const result = step(sweep!.replaceAll('${{ matrix.shard }}', String(shard)), job, env);
      expect(result.status, result.stderr).toBe(0);
      // actions/upload-artifact then download-artifact with a pattern: one folder per artifact.
      cpSync(join(job, `shard-${shard}`, 'results.json'), join(work, 'merge', 'shards', `ckptsim-shard-${shard}`, 'results.json'));
    }
    const merge = join(work, 'merge');
    const summary = join(work, 'step-summary.md');
    writeFileSync(summary, '');
    const [merging] = blocks.get('merge')!;
    const merged = step(merging!, merge, { ...env, GITHUB_STEP_SUMMARY: summary });
    expect(merged.status, merged.stderr).toBe(0);
    // One case per built-in scenario.
    const scenarios = (JSON.parse(readFileSync(join(merge, 'merged', 'results.json'), 'utf8')) as { parameters: { scenarios: string[] } }).parameters.scenarios.length;
    expect(scenarios).toBeGreaterThanOrEqual(7);
    expect(merged.stdout.trim().split('\n').at(-1)).toMatch(new RegExp(`^PASS: ${scenarios} cases, 0 violations, \\d+ expected gaps?$`));
    const markdown = readFileSync(summary, 'utf8');
    expect(markdown.split('\n')[0]).toBe(`# ckptsim sweep: ${merged.stdout.trim().split('\n').at(-1)}`);
    expect(markdown).toContain('shards 1/3, 2/3, 3/3.');
    const junit = parseXml(readFileSync(join(merge, 'merged', 'junit.xml'), 'utf8'));
    expect(descendants(junit, 'testsuite')).toHaveLength(scenarios);
    expect(junit.attributes['failures']).toBe('0');
    expect(junit.attributes['errors']).toBe('0');
    expect(existsSync(join(merge, 'merged', 'report.html'))).toBe(true);

    // A shard's job failed and uploaded nothing: the merge names it and fails, the summary stays empty.
    rmSync(join(merge, 'shards', 'ckptsim-shard-2'), { recursive: true });
    rmSync(join(merge, 'merged'), { recursive: true });
    writeFileSync(summary, '');
    const missing = step(merging!, merge, { ...env, GITHUB_STEP_SUMMARY: summary });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('ckptsim: shard 2/3 of 3 is missing from the merge');
    expect(readFileSync(summary, 'utf8')).toBe('');
  }, 180_000);
});

describe('the GitLab CI and Kubernetes recipes of docs/ci', () => {
  it('run the shard their job index names, counting from 1', () => {
    const gitlab = readFileSync('docs/ci/gitlab-ci.yml', 'utf8');
    const gitlabSweep = /^ {4}- (status=0; npx ckptsim sweep .*)$/m.exec(gitlab)?.[1];
    expect(gitlab).toMatch(/^ {2}parallel: \d+$/m);
    const kubernetes = readFileSync('docs/ci/kubernetes-job.yaml', 'utf8');
    const block = /^( +)- \|\n((?:\1 {2}.*\n)+)/m.exec(kubernetes);
    const kubernetesSweep = block?.[2]?.split('\n').map((line) => line.trim()).join('\n');
    expect(kubernetes).toMatch(/completionMode: Indexed/);
    expect(Number(/completions: (\d+)/.exec(kubernetes)?.[1])).toBe(Number(/name: CKPTSIM_SHARDS\n\s+value: "(\d+)"/.exec(kubernetes)?.[1]));
    const work = mkdtempSync(join(tmpdir(), 'ckptsim-recipes-'));
    const gitlabRun = step(gitlabSweep!, work, { CKPTSIM_RUNS: '1', CKPTSIM_SEED: '1', CI_NODE_INDEX: '3', CI_NODE_TOTAL: '3' });
    expect(gitlabRun.status, gitlabRun.stderr).toBe(0);
    expect((JSON.parse(readFileSync(join(work, 'shard-3', 'results.json'), 'utf8')) as { shards: string[] }).shards).toEqual(['3/3']);
    // The last completion index, 0-based, is the last shard; results go under /results, here a temp folder.
    const kubernetesRun = step(kubernetesSweep!.replaceAll('/results/', `${work}/k8s/`), work, { CKPTSIM_RUNS: '1', CKPTSIM_SEED: '1', CKPTSIM_SHARDS: '4', JOB_COMPLETION_INDEX: '3' });
    expect(kubernetesRun.status, kubernetesRun.stderr).toBe(0);
    expect((JSON.parse(readFileSync(join(work, 'k8s', 'shard-4', 'results.json'), 'utf8')) as { shards: string[] }).shards).toEqual(['4/4']);
  }, 120_000);
});
