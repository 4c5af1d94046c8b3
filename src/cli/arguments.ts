import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../explore/scenario.js';

/** Parses a command's arguments with node's parseArgs, turning its errors into one-sentence usage errors. */
export function parseCommand<Options extends NonNullable<ParseArgsConfig['options']>>(
  command: string,
  argv: readonly string[],
  options: Options,
): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  try {
    const parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
    return { values: parsed.values as Record<string, string | boolean | undefined>, positionals: parsed.positionals };
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new UsageError(`ckptsim ${command}: ${message}`);
  }
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
