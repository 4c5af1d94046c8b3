import { hashString, toHex32 } from '../sim/index.js';
import { UsageError } from './scenario.js';
import { originId, scenarioOrigin, type ScenarioOrigin } from './scenario-registry.js';
import { checkTokenBounds } from './token-bounds.js';

/** Everything needed to re-run one case exactly. */
export interface CaseSpec {
  readonly scenario: string;
  readonly seed: number;
  readonly parameters?: Readonly<Record<string, number>>;
  /** Fault plan as data (see faults/); empty for none. */
  readonly faults?: readonly unknown[];
  /** Config overrides as data (mode, interval...). */
  readonly config?: Readonly<Record<string, unknown>>;
  /** Bounds of the run, when not the defaults (events, virtual deadline, queue length). */
  readonly limits?: Readonly<{ maxEvents?: number; deadlineUs?: number; maxQueueLength?: number }>;
  /** PCT scheduling of the run's events (sim/pct-scheduler.ts); absent: the kernel's plain order. */
  readonly pct?: Readonly<{ depth: number; windowUs: number; steps: number }>;
  /** For a user scenario: the module it came from (filled in from the registry when a token is made). */
  readonly module?: ScenarioOrigin;
}

const prefix = 'ckpt1';

/**
 * Encodes a case as a replay token: `ckpt1.<base64url JSON>.<checksum>`. Versioned (the prefix),
 * self-contained and URL-safe; the checksum turns truncation or tampering into a clear error.
 */
export function encodeReplayToken(spec: CaseSpec): string {
  const body = Buffer.from(JSON.stringify(canonical(spec)), 'utf8').toString('base64url');
  return `${prefix}.${body}.${toHex32(hashString(body))}`;
}

/** Decodes a replay token; any malformed token is a {@link UsageError} naming what is wrong. */
export function decodeReplayToken(token: string): CaseSpec {
  const parts = token.trim().split('.');
  if (parts.length !== 3 || parts[0] !== prefix) {
    throw new UsageError(`replay token must look like ${prefix}.<data>.<checksum>, got '${abbreviate(token)}'`);
  }
  const [, body, checksum] = parts as [string, string, string];
  if (toHex32(hashString(body)) !== checksum) {
    throw new UsageError(`replay token '${abbreviate(token)}' is truncated or altered (checksum mismatch)`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    throw new UsageError(`replay token '${abbreviate(token)}' does not decode to JSON`);
  }
  return validateSpec(parsed);
}

function validateSpec(value: unknown): CaseSpec {
  if (typeof value !== 'object' || value === null) throw new UsageError('replay token does not hold a case object');
  const record = value as Record<string, unknown>;
  if (typeof record['scenario'] !== 'string') throw new UsageError('replay token has no scenario name');
  if (!Number.isSafeInteger(record['seed'])) throw new UsageError('replay token has no integer seed');
  validateLimits(record['limits'], 'replay token limits');
  checkTokenBounds(record);
  // checkTokenBounds checked the module's shape; whether it names this scenario is checked here.
  const module = Object.hasOwn(record, 'module') ? record['module'] : undefined;
  if (module !== undefined && (module as ScenarioOrigin).id !== originId((module as ScenarioOrigin).path, record['scenario'])) {
    throw new UsageError(`replay token module.id does not match its path '${(module as ScenarioOrigin).path}' and scenario '${record['scenario']}'`);
  }
  return record as unknown as CaseSpec;
}

/** Checks run bounds given as data; each must be a positive integer. */
export function validateLimits(value: unknown, where: string): void {
  if (value === undefined) return;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UsageError(`${where} must be an object, got ${JSON.stringify(value)}`);
  for (const [name, bound] of Object.entries(value)) {
    if (name !== 'maxEvents' && name !== 'deadlineUs' && name !== 'maxQueueLength') throw new UsageError(`${where} has unknown bound '${name}'; known: maxEvents, deadlineUs, maxQueueLength`);
    if (!Number.isSafeInteger(bound) || (bound as number) < 1) throw new UsageError(`${where}.${name} must be a positive integer, got ${JSON.stringify(bound)}`);
  }
}

function canonical(spec: CaseSpec): CaseSpec {
  const module = spec.module ?? scenarioOrigin(spec.scenario);
  return {
    scenario: spec.scenario,
    seed: spec.seed,
    ...(spec.parameters !== undefined && Object.keys(spec.parameters).length > 0 ? { parameters: spec.parameters } : {}),
    ...(spec.faults !== undefined && spec.faults.length > 0 ? { faults: spec.faults } : {}),
    ...(spec.config !== undefined && Object.keys(spec.config).length > 0 ? { config: spec.config } : {}),
    ...(spec.limits !== undefined && Object.keys(spec.limits).length > 0 ? { limits: spec.limits } : {}),
    ...(spec.pct === undefined ? {} : { pct: { depth: spec.pct.depth, windowUs: spec.pct.windowUs, steps: spec.pct.steps } }),
    ...(module === undefined ? {} : { module: { path: module.path, id: module.id } }),
  };
}

function abbreviate(token: string): string {
  return token.length <= 40 ? token : `${token.slice(0, 20)}...${token.slice(-12)}`;
}
