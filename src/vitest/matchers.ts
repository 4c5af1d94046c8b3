import { expect } from 'vitest';
import type { CaseResult, Verdict } from '../explore/run-case.js';
import type { PropertyName } from '../explore/scenario.js';

/** What a matcher returns to vitest: pass, a message for both polarities, and a diff's two sides. */
interface MatcherResult {
  readonly pass: boolean;
  readonly message: () => string;
  readonly actual?: unknown;
  readonly expected?: unknown;
}

function isCaseResult(value: unknown): value is CaseResult {
  return typeof value === 'object' && value !== null && 'verdict' in value && 'violations' in value && 'replay' in value;
}

function notACase(name: string, received: unknown): MatcherResult {
  return { pass: false, message: () => `${name} expects a ckptsim CaseResult (from runCase), got ${typeof received}` };
}

/** One line naming the case, for every message: which case, and how to run it again. */
function caseLine(result: CaseResult): string {
  return `${result.scenario} seed ${result.seed} (verdict ${result.verdict}, job ${result.jobStatus}, ${result.outcome})\n  replay: npx ckptsim replay ${result.replay}`;
}

/**
 * The custom matchers, for `expect.extend` (importing `ckptsim/vitest` registers them). The
 * diffs compare the violations found against none, so a failure shows each violation's message.
 */
export const ckptsimMatchers = {
  /** The case has no violation of `property` (an expected gap does not count as one). */
  toHoldProperty(received: unknown, property: PropertyName): MatcherResult {
    if (!isCaseResult(received)) return notACase('toHoldProperty', received);
    const found = received.violations.filter((violation) => violation.property === property).map((violation) => violation.message);
    return {
      pass: found.length === 0,
      message: () =>
        found.length === 0
          ? `expected ${property} to be violated, but it held in ${caseLine(received)}`
          : `expected ${property} to hold, but it was violated ${found.length} time(s) in ${caseLine(received)}\n  first: ${found[0]}`,
      actual: found,
      expected: [],
    };
  },
  /** No property is violated: the verdict is 'pass', or 'expected-gap' unless `allowGaps` is false. */
  toHoldAllProperties(received: unknown, options: { readonly allowGaps?: boolean } = {}): MatcherResult {
    if (!isCaseResult(received)) return notACase('toHoldAllProperties', received);
    const gaps = options.allowGaps === false ? received.gaps.map((gap) => `${gap.violation.property}: ${gap.violation.message} (expected gap ${gap.gap.name})`) : [];
    const found = [...received.violations.map((violation) => `${violation.property}: ${violation.message}`), ...gaps];
    return {
      pass: found.length === 0,
      message: () => (found.length === 0 ? `expected some property to be violated, but all held in ${caseLine(received)}` : `expected every property to hold in ${caseLine(received)}\n  ${found.join('\n  ')}`),
      actual: found,
      expected: [],
    };
  },
  /** The case's verdict is `verdict`. */
  toHaveVerdict(received: unknown, verdict: Verdict): MatcherResult {
    if (!isCaseResult(received)) return notACase('toHaveVerdict', received);
    const violations = received.violations.map((violation) => `${violation.property}: ${violation.message}`);
    return {
      pass: received.verdict === verdict,
      message: () => `expected verdict ${received.verdict === verdict ? 'not ' : ''}${verdict} for ${caseLine(received)}${violations.length > 0 ? `\n  ${violations.join('\n  ')}` : ''}`,
      actual: received.verdict,
      expected: verdict,
    };
  },
};

/** The matchers' types, merged into vitest's `expect(...)`. */
export interface CkptsimMatchers<R = unknown> {
  /** The case (a `runCase` result) has no violation of `property`. */
  toHoldProperty(property: PropertyName): R;
  /** The case violates no property; expected gaps count as holding unless `allowGaps` is false. */
  toHoldAllProperties(options?: { readonly allowGaps?: boolean }): R;
  /** The case's verdict is `verdict`. */
  toHaveVerdict(verdict: Verdict): R;
}

declare module 'vitest' {
  // Declaration merging with vitest's own Matchers needs its exact type parameter list.
  interface Matchers<T = any> extends CkptsimMatchers<T> {}
}

expect.extend(ckptsimMatchers);
