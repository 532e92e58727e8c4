/** The innermost message of a Temporal failure chain: for a failed preflight, the sentence naming the problem. */
export function rootMessage(err: unknown): string {
  let current = err as { message?: string; cause?: unknown } | undefined;
  let message = current?.message ?? String(err);
  while (current?.cause) {
    current = current.cause as typeof current;
    if (current?.message) message = current.message;
  }
  return message;
}
