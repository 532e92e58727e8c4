import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  ChildWorkflowFailure,
  TerminatedFailure,
  TimeoutFailure,
} from '@temporalio/workflow';

/** A permanent failure of one object, reported by a batch or found by its own steps (not an activity failure). */
export class ObjectFailed extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface Failure {
  code: string;
  message: string;
}

/** The activity failure behind a failed step, also when it failed inside a multipart copy's child workflow. */
function activityFailureIn(err: unknown): ActivityFailure | undefined {
  if (err instanceof ActivityFailure) return err;
  if (err instanceof ChildWorkflowFailure && err.cause instanceof ActivityFailure) return err.cause;
  return undefined;
}

/**
 * A multipart copy's child that failed, was terminated or timed out: that object failed, the page goes on.
 * Not while the page itself is being cancelled (then the child's cancellation is the page's own).
 */
function childFailure(err: unknown): Failure | undefined {
  if (!(err instanceof ChildWorkflowFailure) || CancellationScope.current().consideredCancelled) return undefined;
  const cause = err.cause;
  const code =
    cause instanceof TerminatedFailure
      ? 'CopyTerminated'
      : cause instanceof TimeoutFailure
        ? 'CopyTimedOut'
        : cause instanceof ApplicationFailure
          ? (cause.type ?? 'CopyFailed')
          : (cause?.name ?? 'CopyFailed');
  return { code, message: `multipart copy ${err.execution?.workflowId ?? ''}: ${cause?.message ?? err.message}` };
}

/** Code and message of a permanent failure of one object, or undefined for anything else (to be rethrown). */
export function objectFailure(err: unknown): Failure | undefined {
  if (err instanceof ObjectFailed) return { code: err.code, message: err.message };
  const failure = activityFailureIn(err);
  if (!failure) return childFailure(err);
  const cause = failure.cause;
  if (cause instanceof ApplicationFailure) return { code: cause.type ?? 'Error', message: cause.message };
  return { code: cause?.name ?? 'Error', message: cause?.message ?? failure.message };
}
