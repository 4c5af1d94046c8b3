/** A property that failed: which, why in one sentence, when, and the facts behind it. */
export interface Violation {
  readonly property: string;
  readonly message: string;
  readonly timeUs: number;
  readonly details: Readonly<Record<string, unknown>>;
}
