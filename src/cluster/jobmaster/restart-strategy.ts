/**
 * Restart strategies (Flink's RestartBackoffTimeStrategy): whether the job may restart after a
 * failure, and after how long.
 */
export type RestartStrategyConfig =
  | { readonly kind: 'none' }
  | { readonly kind: 'fixed-delay'; readonly attempts: number; readonly delayUs: number }
  | {
      readonly kind: 'exponential-delay';
      readonly initialBackoffUs: number;
      readonly maxBackoffUs: number;
      readonly multiplier: number;
      /** A quiet period this long resets the backoff to its initial value. */
      readonly resetBackoffThresholdUs: number;
      readonly attempts: number;
    };

export type RestartDecision = { readonly restart: true; readonly delayUs: number } | { readonly restart: false; readonly reason: string };

/** Decides restarts for one job; stateful (counts attempts, grows backoff). */
export class RestartStrategy {
  private failures = 0;
  private backoffUs: number;
  private lastFailureUs = Number.NEGATIVE_INFINITY;

  constructor(private readonly config: RestartStrategyConfig) {
    this.backoffUs = config.kind === 'exponential-delay' ? config.initialBackoffUs : 0;
  }

  /** Called once per failure that would restart tasks. */
  decide(nowUs: number): RestartDecision {
    const config = this.config;
    switch (config.kind) {
      case 'none':
        return { restart: false, reason: 'restart strategy is none' };
      case 'fixed-delay':
        this.failures++;
        if (this.failures > config.attempts) return { restart: false, reason: `fixed-delay restart attempts (${config.attempts}) exhausted` };
        return { restart: true, delayUs: config.delayUs };
      case 'exponential-delay': {
        if (nowUs - this.lastFailureUs >= config.resetBackoffThresholdUs) this.backoffUs = config.initialBackoffUs;
        else this.backoffUs = Math.min(config.maxBackoffUs, Math.round(this.backoffUs * config.multiplier));
        this.lastFailureUs = nowUs;
        this.failures++;
        if (this.failures > config.attempts) return { restart: false, reason: `exponential-delay restart attempts (${config.attempts}) exhausted` };
        return { restart: true, delayUs: this.backoffUs };
      }
    }
  }
}
