import cliProgress from 'cli-progress';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { migrateBucket } from '../workflows';
import { liveProgress } from './live-progress';
import {
  emptyCounts,
  settledCount,
  totalSkipped,
  type MigrationProgress,
  type MigrationSummary,
} from '../common/types';

/**
 * How often the bar is redrawn, and so how often the client asks for progress: each time a query to the
 * coordinator and one to each running page (a few milliseconds of Temporal's CPU each). Without a terminal
 * (a log, CI) a line every 5 seconds.
 */
const REDRAW_MS = process.stderr.isTTY ? 1000 : 5000;

function barPayload(p: Pick<MigrationProgress, 'counts' | 'phase'>, since: number) {
  const seconds = Math.max(1, (Date.now() - since) / 1000);
  return {
    scanned: p.counts.scanned,
    migrated: p.counts.migrated,
    already: p.counts.alreadyDone,
    skipped: totalSkipped(p.counts),
    failed: p.counts.failed,
    rate: (settledCount(p.counts) / seconds).toFixed(1),
    phase: p.phase,
  };
}

/** A live progress bar on stderr until the migration ends; resolves with its summary. */
export async function watchUntilDone(
  client: Client,
  handle: WorkflowHandle<typeof migrateBucket>,
): Promise<MigrationSummary> {
  const bar = new cliProgress.SingleBar(
    {
      format:
        '{bar} {value}/{total} | scanned {scanned} | migrated {migrated} | already done {already} | skipped ' +
        '{skipped} | failed {failed} | {rate} objects/s | {phase}',
      stream: process.stderr,
      hideCursor: true,
      noTTYOutput: true,
      notTTYSchedule: REDRAW_MS,
    },
    cliProgress.Presets.shades_classic,
  );
  const watchStarted = Date.now();
  let finished = false;
  const result = handle.result().finally(() => {
    finished = true;
  });
  // Handled from the start: a preflight failure can arrive while the first query is in flight, and an
  // unhandled rejection would end the process before it prints the failure.
  result.catch(() => undefined);
  bar.start(0, 0, barPayload({ phase: 'preflight', counts: emptyCounts() }, watchStarted));
  let since: number | undefined;
  try {
    while (!finished) {
      try {
        const p = await liveProgress(client, handle);
        since ??= p.startedAt;
        bar.setTotal(p.counts.scanned);
        bar.update(settledCount(p.counts), barPayload(p, since));
      } catch {
        // no worker answering queries right now (restarting): keep waiting for the result
      }
      await Promise.race([result.catch(() => undefined), new Promise((r) => setTimeout(r, REDRAW_MS))]);
    }
    const summary = await result;
    bar.setTotal(summary.counts.scanned);
    bar.update(settledCount(summary.counts), barPayload(summary, since ?? summary.startedAt));
    return summary;
  } finally {
    bar.stop();
  }
}
