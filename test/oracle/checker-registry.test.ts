import { describe, expect, it } from 'vitest';
import { checkerProperties, checkerRegistry, createCheckers, guardChecker, type Checker } from '../../src/oracle/checkers/index.js';
import { at, finalState, tinyContext } from './support/fixtures.js';

describe('checker registry', () => {
  it('maps each streaming property to a factory whose checker judges that property', () => {
    expect(checkerProperties).toEqual(['consistent-snapshot', 'recovery', 'coordinator-invariants', 'two-phase-commit', 'liveness', 'trigger-results', 'failure-accounting', 'notification-order', 'explained-failures', 'external-hygiene', 'windowed-output', 'split-ownership']);
    for (const property of checkerProperties) expect(checkerRegistry[property](tinyContext()).property).toBe(property);
  });

  it('creates checkers only for the streaming properties it is given', () => {
    const checkers = createCheckers(['job-finishes', 'exactly-once', 'recovery', 'liveness'], tinyContext());
    expect(checkers.map((checker) => checker.property)).toEqual(['recovery', 'liveness']);
  });

  it('turns an exception in a checker into that checker violation instead of letting it reach the runtime', () => {
    const broken: Checker = {
      property: 'recovery',
      observe: () => {
        throw new Error('boom');
      },
      finish: () => [],
    };
    const guarded = guardChecker(broken);
    expect(() => guarded.observe(at(42, { type: 'job-status', status: 'RUNNING', cause: undefined }))).not.toThrow();
    const violations = guarded.finish(finalState());
    expect(violations).toHaveLength(1);
    expect(violations[0]).toMatchObject({ property: 'recovery', timeUs: 42, message: 'the recovery checker failed on a job-status observation: boom' });
  });
});
