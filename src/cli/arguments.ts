import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../explore/scenario.js';

/**
 * Parses a command's arguments with node's parseArgs, turning its errors into one-sentence usage
 * errors. Stricter than parseArgs: an option given twice is refused (parseArgs keeps the last
 * silently) unless it is `multiple`, and a negative number after an option that takes a value
 * (`--seed -1`) is read as that value, so the option's own check can say what it must be.
 */
export function parseCommand<Options extends NonNullable<ParseArgsConfig['options']>>(
  command: string,
  argv: readonly string[],
  options: Options,
): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  let parsed: ReturnType<typeof parseArgs<{ options: Options; allowPositionals: true; strict: true; tokens: true }>>;
  try {
    parsed = parseArgs({ args: joinNegativeValues(argv, options), options, allowPositionals: true, strict: true, tokens: true });
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new UsageError(`ckptsim ${command}: ${message}`);
  }
  const given = new Map<string, string[]>();
  for (const token of parsed.tokens) {
    if (token.kind !== 'option' || options[token.name]?.multiple === true) continue;
    const values = given.get(token.name) ?? [];
    values.push(token.value ?? '');
    given.set(token.name, values);
    if (values.length > 1) {
      const shown = token.value === undefined ? '' : ` (${values.map((value) => `'${value}'`).join(' and ')})`;
      throw new UsageError(`ckptsim ${command}: --${token.name} is given twice${shown}; give it once`);
    }
  }
  return { values: parsed.values as Record<string, string | boolean | undefined>, positionals: parsed.positionals };
}

/** `--seed -1` as `--seed=-1`: parseArgs would take `-1` for an option of its own and call the pair ambiguous. */
function joinNegativeValues(argv: readonly string[], options: NonNullable<ParseArgsConfig['options']>): string[] {
  const joined: string[] = [];
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index] as string;
    const next = argv[index + 1];
    const name = argument.startsWith('--') ? argument.slice(2) : undefined;
    if (name !== undefined && Object.hasOwn(options, name) && options[name]?.type === 'string' && next !== undefined && /^-\d/.test(next)) {
      joined.push(`${argument}=${next}`);
      index++;
    } else joined.push(argument);
  }
  return joined;
}

/**
 * Default options (such as `npm start`'s `--runs 300 --mutants`, or a project config's sweep
 * settings) before the user's own, leaving out each default the user gives: so that the user's
 * wins and is not "given twice". Defaults are `--name value` pairs or `--flag`s, no positionals.
 */
export function withDefaults(defaults: readonly string[], argv: readonly string[]): string[] {
  const givenByUser = new Set(argv.filter((argument) => argument.startsWith('--')).map((argument) => argument.slice(2).split('=')[0]));
  const kept: string[] = [];
  for (let index = 0; index < defaults.length; index++) {
    const argument = defaults[index] as string;
    const next = defaults[index + 1];
    const takesValue = next !== undefined && !next.startsWith('--') && !argument.includes('=');
    if (!givenByUser.has(argument.slice(2).split('=')[0] as string)) kept.push(...(takesValue ? [argument, next] : [argument]));
    if (takesValue) index++;
  }
  return [...kept, ...argv];
}

/** Refuses positional arguments past the first `allowed` ones, naming the first extra one. */
export function noExtraPositionals(command: string, positionals: readonly string[], allowed: number, what: string): void {
  if (positionals.length > allowed) throw new UsageError(`ckptsim ${command} takes ${what}, got extra '${positionals[allowed]}'`);
}

/**
 * A non-negative integer option such as --seed, at least `minimum` (1 for counts such as --runs,
 * where 0 would make a run that judges nothing) and at most `maximum`; names the option and the
 * bad value when it is not one.
 */
export function integerOption(name: string, raw: string | boolean | undefined, fallback: number, maximum = Number.MAX_SAFE_INTEGER, minimum = 0): number {
  if (raw === undefined) return fallback;
  if (typeof raw !== 'string' || !/^\d+$/.test(raw)) throw new UsageError(`--${name} must be a non-negative integer, got '${String(raw)}'`);
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value > maximum) throw new UsageError(`--${name} must be at most ${maximum}, got ${raw}`);
  if (value < minimum) throw new UsageError(`--${name} must be at least ${minimum}, got ${raw}`);
  return value;
}

/** Reads a JSON option given inline or as @file; names the option and the problem when it is not JSON. */
export function readJsonOption(name: string, raw: string): unknown {
  let text = raw;
  if (raw.startsWith('@')) {
    try {
      text = readFileSync(raw.slice(1), 'utf8');
    } catch {
      throw new UsageError(`--${name}: cannot read file '${raw.slice(1)}'`);
    }
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--${name} is not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
}
