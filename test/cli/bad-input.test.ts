import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeReplayToken, decodeReplayToken } from '../../src/explore/replay-token.js';
import { parametersArbitrary, configArbitrary } from '../../src/explore/arbitraries.js';
import { checkTokenParameters } from '../../src/explore/token-bounds.js';
import { resolveParameters } from '../../src/explore/scenario.js';
import { withDefaults } from '../../src/cli/arguments.js';
import { validateConfigOverrides } from '../../src/explore/config-overrides.js';
import { scenarios } from '../../scenarios/index.js';
import { hashString, toHex32 } from '../../src/sim/index.js';

/** Bad input: exit 2 and one sentence on stderr naming the bad value, nothing on stdout. */
function refused(args: string[]): string {
  const result = spawnSync(process.execPath, ['bin/ckptsim.js', ...args], { encoding: 'utf8', timeout: 30_000 });
  expect(result.status, `${args.join(' ')}: ${result.stderr}`).toBe(2);
  expect(result.stdout, args.join(' ')).toBe('');
  const lines = result.stderr.trim().split('\n');
  expect(lines, args.join(' ')).toHaveLength(1);
  return lines[0] as string;
}

describe('bad input on the command line', () => {
  it('negative numbers say they must be non-negative integers', () => {
    expect(refused(['sweep', '--seed', '-1'])).toBe("ckptsim: --seed must be a non-negative integer, got '-1'");
    expect(refused(['sweep', 'wordcount', '--runs', '-5'])).toBe("ckptsim: --runs must be a non-negative integer, got '-5'");
    expect(refused(['run', 'wordcount', '--seed', '-3'])).toBe("ckptsim: --seed must be a non-negative integer, got '-3'");
  });

  it('an option given twice is refused, naming both values; npm start and a config may still be overridden once', () => {
    expect(refused(['sweep', 'wordcount', '--runs', '2', '--runs', '3'])).toBe("ckptsim: ckptsim sweep: --runs is given twice ('2' and '3'); give it once");
    expect(refused(['run', 'wordcount', '--json', '--json'])).toBe('ckptsim: ckptsim run: --json is given twice; give it once');
    // start's own --runs 300 is a default, not a second --runs.
    expect(refused(['start', '--runs', '0'])).toBe('ckptsim: --runs must be at least 1, got 0');
  });

  it('extra positional arguments are refused, naming the first', () => {
    expect(refused(['run', 'wordcount', 'diamond'])).toBe("ckptsim: ckptsim run takes one scenario, got extra 'diamond'");
    const token = encodeReplayToken({ scenario: 'wordcount', seed: 1 });
    expect(refused(['replay', token, 'again'])).toBe("ckptsim: ckptsim replay takes one replay token, got extra 'again'");
    expect(refused(['list', 'all'])).toBe("ckptsim: ckptsim list takes no arguments, got extra 'all'");
    expect(refused(['bench', 'now'])).toBe("ckptsim: ckptsim bench takes no arguments, got extra 'now'");
    expect(refused(['version', 'now'])).toBe("ckptsim: ckptsim version takes no arguments, got extra 'now'");
  });

  it('--version and version print the version', () => {
    const version = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;
    for (const command of ['--version', 'version']) {
      const result = spawnSync(process.execPath, ['bin/ckptsim.js', command], { encoding: 'utf8' });
      expect(result.status).toBe(0);
      expect(result.stdout).toBe(`ckptsim ${version}\n`);
    }
  });

  it('counts of 0 are refused: --runs, --workers, mutants --budget and --workers', () => {
    expect(refused(['sweep', 'wordcount', '--runs', '0'])).toBe('ckptsim: --runs must be at least 1, got 0');
    expect(refused(['sweep', 'wordcount', '--runs', '1', '--workers', '0'])).toBe('ckptsim: --workers must be at least 1, got 0');
    expect(refused(['mutants', '--budget', '0'])).toBe('ckptsim: --budget must be at least 1, got 0');
    expect(refused(['mutants', '--workers', '0'])).toBe('ckptsim: --workers must be at least 1, got 0');
  });

  it('--out on a path that cannot be created fails at once, naming it', () => {
    expect(refused(['sweep', 'wordcount', '--runs', '1', '--out', '/proc/ckptsim-out'])).toBe("ckptsim: cannot create the output directory '/proc/ckptsim-out': ENOENT making '/proc/ckptsim-out'");
    expect(refused(['sweep', 'wordcount', '--runs', '1', '--out', 'package.json/reports'])).toMatch(/^ckptsim: cannot create the output directory 'package\.json\/reports': '.*package\.json' is a file, not a directory$/);
    const merged = mkdtempSync(join(tmpdir(), 'ckptsim-out-'));
    expect(refused(['report', 'merge', join(merged, 'none.json'), '--out', '/proc/ckptsim-merged'])).toMatch(/^ckptsim: /);
    expect(existsSync('/proc/ckptsim-out')).toBe(false);
  });

  it('a replay token with a parameter out of range, or not the scenario own, is refused before the run', () => {
    const forged = encodeReplayToken({ scenario: 'wordcount', seed: 1, parameters: { countParallelism: 100_000 } });
    expect(refused(['replay', forged])).toBe('ckptsim: replay token parameters.countParallelism must be an integer in [1, 12], got 100000');
    const inherited = encodeReplayToken({ scenario: 'wordcount', seed: 1, parameters: { toString: 3 } });
    expect(refused(['replay', inherited])).toMatch(/^ckptsim: replay token parameters\.toString: scenario wordcount has no such parameter \(it has: partitions, /);
  });
});

describe('default options', () => {
  it('give way to the options the user gives, so that npm start and a config can be overridden once', () => {
    expect(withDefaults(['--runs', '300', '--profile', 'swarm', '--mutants', '--out', 'reports/latest'], ['wordcount', '--runs=5', '--out', 'mine'])).toEqual(['--profile', 'swarm', '--mutants', 'wordcount', '--runs=5', '--out', 'mine']);
    expect(withDefaults(['--vary'], ['--vary'])).toEqual(['--vary']);
    expect(withDefaults(['--seed', '4'], [])).toEqual(['--seed', '4']);
  });
});

describe('replay token bounds', () => {
  // Made by hand, not by encodeReplayToken (which drops fields it would not write): a forged token.
  const forge = (spec: object): string => {
    const body = Buffer.from(JSON.stringify(spec), 'utf8').toString('base64url');
    return `ckpt1.${body}.${toHex32(hashString(body))}`;
  };
  const decodeFails = (spec: object): string => {
    try {
      decodeReplayToken(forge(spec));
    } catch (error) {
      return (error as Error).message;
    }
    return 'accepted';
  };

  it('bound the run limits, the seed, cluster size and checkpoint settings', () => {
    expect(decodeFails({ scenario: 'wordcount', seed: 1, limits: { maxEvents: 1_000_000_000 } })).toBe('replay token limits.maxEvents must be an integer in [1, 50000000], got 1000000000');
    expect(decodeFails({ scenario: 'wordcount', seed: 1, limits: { deadlineUs: 2 ** 52 } })).toBe('replay token limits.deadlineUs must be an integer in [1, 86400000000], got 4503599627370496');
    expect(decodeFails({ scenario: 'wordcount', seed: -1 })).toBe('replay token seed must be an integer in [0, 9007199254740991], got -1');
    expect(decodeFails({ scenario: 'wordcount', seed: 1, config: { executors: 100_000 } })).toBe('replay token config.executors must be an integer in [1, 64], got 100000');
    expect(decodeFails({ scenario: 'wordcount', seed: 1, config: { checkpoint: { maxConcurrentCheckpoints: 1e9 } } })).toBe('replay token config.checkpoint.maxConcurrentCheckpoints must be an integer in [1, 100], got 1000000000');
    expect(decodeFails({ scenario: 'wordcount', seed: 1, config: { checkpoint: { intervalUs: 1e15 } } })).toBe('replay token config.checkpoint.intervalUs must be an integer in [0, 86400000000], got 1000000000000000');
    expect(decodeFails({ scenario: 'wordcount', seed: 1, config: { restartStrategy: { kind: 'exponential-delay', multiplier: 1e6 } } })).toBe('replay token config.restartStrategy.multiplier must be a number in [1, 100], got 1000000');
    expect(decodeFails({ scenario: 'wordcount', seed: 1, parameters: [1, 2] })).toBe('replay token parameters must be an object, got [1,2]');
    expect(decodeFails({ scenario: 'wordcount', seed: 1, faults: { kind: 'fail-task' } })).toBe('replay token faults must be a list, got {"kind":"fail-task"}');
    expect(decodeFails({ scenario: 'x'.repeat(300), seed: 1 })).toMatch(/^replay token scenario must be a name of 1 to 200 characters/);
  });

  it('accept every case a sweep may draw, with or without --vary', () => {
    for (const scenario of scenarios) {
      const drawn = fc.sample(fc.tuple(parametersArbitrary(scenario), configArbitrary()), { numRuns: 50, seed: 3 });
      for (const [parameters, config] of drawn) {
        const spec = decodeReplayToken(encodeReplayToken({ scenario: scenario.name, seed: 2_147_483_646, parameters, config }));
        expect(() => checkTokenParameters(spec.parameters, scenario)).not.toThrow();
      }
      expect(() => checkTokenParameters(scenario.defaults, scenario)).not.toThrow();
    }
  });

  it('look up parameters and checkpoint settings as own properties only', () => {
    const wordcount = scenarios[0]!;
    expect(() => resolveParameters(wordcount, { toString: 1 })).toThrow("scenario wordcount has no parameter 'toString'");
    expect(() => resolveParameters(wordcount, { constructor: 1 })).toThrow("scenario wordcount has no parameter 'constructor'");
    expect(() => validateConfigOverrides({ checkpoint: { hasOwnProperty: 1 } })).toThrow('config.checkpoint.hasOwnProperty is not a checkpoint setting');
  });
});
