/** A mistake in what the user asked for (exit code 2), as opposed to a failure of the harness. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
