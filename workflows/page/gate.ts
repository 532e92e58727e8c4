import { condition, startChild, type ChildWorkflowHandle, type ChildWorkflowOptions } from '@temporalio/workflow';
import type { CopyResult } from '../../common/contract';
import type { CopyInPartsInput } from '../types';
import { copyInParts } from '../copy-in-parts';
import { pauseSignal, resumeSignal } from '../messages';

/**
 * Open unless the migration is paused: every object waits here before each S3 call it makes, and the page's
 * multipart copies (child workflows) are told, so that none starts another part while paused.
 */
export class Gate {
  paused = false;
  /** How many times the migration was resumed: failures from before a resume get another attempt. */
  resumes = 0;
  private readonly copies = new Set<ChildWorkflowHandle<typeof copyInParts>>();

  set(paused: boolean): void {
    if (this.paused && !paused) this.resumes++;
    if (this.paused !== paused) {
      for (const copy of this.copies) {
        const told = paused ? copy.signal(pauseSignal) : copy.signal(resumeSignal);
        told.catch(() => undefined); // it may have just ended
      }
    }
    this.paused = paused;
  }

  pass(): Promise<void> {
    return condition(() => !this.paused);
  }

  /** Runs a multipart copy under this gate's pause and resume until it ends. */
  async copyInParts(
    input: CopyInPartsInput,
    options: Pick<ChildWorkflowOptions, 'workflowId' | 'parentClosePolicy' | 'staticSummary'>,
  ): Promise<CopyResult> {
    const copy = await startChild(copyInParts, { ...options, args: [{ ...input, paused: this.paused }] });
    this.copies.add(copy);
    try {
      return await copy.result();
    } finally {
      this.copies.delete(copy);
    }
  }
}
