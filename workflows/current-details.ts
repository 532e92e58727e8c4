import { totalSkipped, type MigrationProgress } from '../common/types';

/**
 * The migration's "current details" in the Web UI (markdown): why it is paused, and how far it got. Counts
 * cover the pages that finished; `status` adds the running ones.
 */
export function currentDetails(p: MigrationProgress): string {
  const c = p.counts;
  const settled = c.migrated + c.alreadyDone + totalSkipped(c) + c.failed;
  const lines = [
    p.pausedBecause !== undefined
      ? `**Paused**: ${p.pausedBecause}`
      : `**${p.phase === 'completed' ? 'Completed' : 'Running'}**`,
    `${settled} of ${c.scanned} listed objects settled: ${c.migrated} migrated (${c.updated} in place), ` +
      `${c.alreadyDone} already done, ${totalSkipped(c)} skipped, ${c.failed} failed; ` +
      `pages ${p.pagesDone} of ${p.pagesStarted} done, ${p.pagesInFlight} in ` +
      `flight${p.listingDone ? ', listing done' : ''}`,
    `KMS budget ${p.kmsBudgetRps} requests/s, shared by every running migration of the namespace; this one's finished pages ` +
      `caused ${c.kmsRequests} KMS requests`,
  ];
  return lines.join('\n\n');
}
