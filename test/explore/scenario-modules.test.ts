import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeReplayToken, encodeReplayToken } from '../../src/explore/replay-token.js';
import { loadScenarioModules, scenarioForSpec } from '../../src/explore/scenario-modules.js';
import { lookupScenario, originId, registeredScenarios, scenarioOrigin } from '../../src/explore/scenario-registry.js';
import { UsageError } from '../../src/explore/scenario.js';
import { hashString, toHex32 } from '../../src/sim/index.js';

/** The module contract and the token's module field, in process (no job runs: shapes only). */
let root: string;

const scenarioSource = (name: string, extra = ''): string =>
  `{ name: '${name}', description: 'a scenario', properties: ['job-finishes'], defaults: { records: 3 }, build() { throw new Error('not run'); }${extra} }`;

function writeModule(name: string, text: string): string {
  const path = join(root, 'modules', name);
  writeFileSync(path, text);
  return path;
}

function tokenOf(body: unknown): string {
  const encoded = Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
  return `ckpt1.${encoded}.${toHex32(hashString(encoded))}`;
}

async function loadError(text: string, name: string): Promise<string> {
  try {
    await loadScenarioModules([writeModule(name, text)], root);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error(`module ${name} loaded`);
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'ckptsim-modules-'));
  mkdirSync(join(root, 'modules'));
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('scenario modules', () => {
  it('register a default export, an array and a scenarios export, in the order given, after the built-ins', async () => {
    const single = writeModule('single.mjs', `export default ${scenarioSource('one')};\n`);
    const list = writeModule('list.mjs', `export default [${scenarioSource('two')}, ${scenarioSource('three')}];\n`);
    const named = writeModule('named.mjs', `export const scenarios = [${scenarioSource('four')}];\nexport default 'ignored when scenarios is exported';\n`);
    await loadScenarioModules([single, list, named], root);
    expect(registeredScenarios().map((scenario) => scenario.name).slice(-4)).toEqual(['one', 'two', 'three', 'four']);
    expect(scenarioOrigin('three')).toEqual({ path: 'modules/list.mjs', id: originId('modules/list.mjs', 'three') });
    expect(scenarioOrigin('wordcount')).toBeUndefined();
    // Loading a module again adds nothing and is not a clash.
    await loadScenarioModules([single], root);
    expect(registeredScenarios().filter((scenario) => scenario.name === 'one')).toHaveLength(1);
  });

  it('refuse malformed modules, naming the module and the field', async () => {
    expect(await loadError('export const other = 1;\n', 'none.mjs')).toBe("scenario module '" + join(root, 'modules', 'none.mjs') + "' exports no scenario: export default a scenario or an array of them, or export const scenarios = [...]");
    expect(await loadError(`export default ${scenarioSource('bad name')};\n`, 'name.mjs')).toMatch(/has name "bad name"; a name is 1 to 100 letters/);
    expect(await loadError(`export default ${scenarioSource('typo').replace("'job-finishes'", "'exaclty-once'")};\n`, 'property.mjs')).toMatch(/\('typo'\) declares unknown property "exaclty-once"; known: job-finishes,/);
    expect(await loadError(`export default [${scenarioSource('no-build').replace(/build\(\) \{[^}]*\}/, 'build: 1')}];\n`, 'build.mjs')).toMatch(/scenario \[0\] \('no-build'\) needs a build\(parameters, input\) function$/);
    expect(await loadError(`export default ${scenarioSource('wordcount')};\n`, 'clash.mjs')).toBe("scenario 'wordcount' in module 'modules/clash.mjs' has the name of a built-in scenario; give it another name");
    expect(await loadError(`export default ${scenarioSource('one')};\n`, 'twice.mjs')).toBe("scenario 'one' is defined twice, in module 'modules/single.mjs' and in module 'modules/twice.mjs'; give one another name");
    expect(await loadError('throw new Error("boom");\n', 'throws.mjs')).toMatch(/throws\.mjs' failed to load: boom$/);
    await expect(loadScenarioModules([join(root, 'modules', 'absent.mjs')], root)).rejects.toThrow(/absent\.mjs' does not exist$/);
    expect(lookupScenario('no-build')).toBeUndefined();
  });
});

describe('replay tokens of user scenarios', () => {
  it('record the module and find the scenario through it', async () => {
    const token = encodeReplayToken({ scenario: 'two', seed: 5 });
    const spec = decodeReplayToken(token);
    expect(spec.module).toEqual({ path: 'modules/list.mjs', id: originId('modules/list.mjs', 'two') });
    expect((await scenarioForSpec(spec, root)).name).toBe('two');
    // A built-in's token carries no module.
    expect(decodeReplayToken(encodeReplayToken({ scenario: 'wordcount', seed: 5 })).module).toBeUndefined();
  });

  it('refuse a module field that is malformed, inherited, or does not match its scenario', async () => {
    const good = { path: 'modules/list.mjs', id: originId('modules/list.mjs', 'two') };
    const refused = (module: unknown): string => {
      try {
        decodeReplayToken(tokenOf({ scenario: 'two', seed: 1, module }));
      } catch (error) {
        expect(error).toBeInstanceOf(UsageError);
        return (error as Error).message;
      }
      throw new Error('token accepted');
    };
    expect(refused('modules/list.mjs')).toBe('replay token module must be an object, got "modules/list.mjs"');
    expect(refused({ ...good, extra: 1 })).toBe("replay token module has unknown field 'extra'; known: path, id");
    expect(refused(JSON.parse(`{"__proto__": ${JSON.stringify(good)}}`))).toBe("replay token module has unknown field '__proto__'; known: path, id");
    expect(refused({ id: good.id })).toBe('replay token module.path must be a path of 1 to 1000 characters, got undefined');
    expect(refused({ ...good, path: 'x'.repeat(1001) })).toMatch(/^replay token module.path must be a path of 1 to 1000 characters/);
    expect(refused({ ...good, id: 'ABC' })).toBe('replay token module.id must be 8 hex digits, got "ABC"');
    expect(refused({ ...good, path: 'modules/single.mjs' })).toBe("replay token module.id does not match its path 'modules/single.mjs' and scenario 'two'");
    const missing = decodeReplayToken(tokenOf({ scenario: 'gone', seed: 1, module: { path: 'modules/gone.mjs', id: originId('modules/gone.mjs', 'gone') } }));
    await expect(scenarioForSpec(missing, root)).rejects.toThrow(`the replay token's scenario 'gone' comes from module 'modules/gone.mjs', which does not exist under the project root ${root}`);
    const moved = decodeReplayToken(tokenOf({ scenario: 'two', seed: 1, module: { path: 'modules/single.mjs', id: originId('modules/single.mjs', 'two') } }));
    await expect(scenarioForSpec(moved, root)).rejects.toThrow("the replay token's scenario 'two' comes from module 'modules/single.mjs', but a scenario of that name is loaded from module 'modules/list.mjs'");
  });
});
