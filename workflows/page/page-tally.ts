import { log } from '@temporalio/workflow';
import { emptyCounts, type Counts, type ObjectIssue, type SkipReason } from '../../common/types';
import { keepWithin, PAGE_ISSUES } from '../issue-budget';

/** A page's report (--report-uri) is written in parts of about this size, as its objects settle. */
const REPORT_PART_BYTES = 64 * 1024;

export type ReportWriter = (part: number, issues: ObjectIssue[]) => Promise<unknown>;

/** A page's counts, the issues its summary keeps, and the report parts (--report-uri) that list every issue. */
export class PageTally {
  readonly counts: Counts = emptyCounts();
  readonly issues: ObjectIssue[] = [];
  private unreported: ObjectIssue[] = [];
  private unreportedBytes = 0;
  private parts = 0;
  private readonly writes: Promise<unknown>[] = [];

  constructor(private readonly report?: ReportWriter) {}

  migrated(bytes: number, inPlace: boolean): void {
    this.counts.migrated++;
    if (inPlace) this.counts.updated++;
    this.counts.bytesMigrated += bytes;
  }

  skip(key: string, versionId: string | undefined, reason: SkipReason, message: string): void {
    this.counts.skipped[reason]++;
    this.issue({ key, versionId, status: 'skipped', code: reason, message });
  }

  fail(key: string, versionId: string | undefined, code: string, message: string): void {
    this.counts.failed++;
    this.issue({ key, versionId, status: 'failed', code, message });
  }

  /** In detail within PAGE_ISSUES; the counts always cover all of them, and the report lists every one. */
  private issue(issue: ObjectIssue): void {
    keepWithin(this.issues, [issue], PAGE_ISSUES.count, PAGE_ISSUES.bytes);
    if (!this.report) return;
    this.unreported.push(issue);
    this.unreportedBytes += issue.key.length + issue.message.length + 64;
    if (this.unreportedBytes >= REPORT_PART_BYTES) this.flush();
  }

  private flush(): void {
    if (this.unreported.length === 0) return;
    const part = this.parts++;
    const rows = this.unreported.length;
    // Handled at once (a rejection nobody awaits yet would fail the workflow task). A report that cannot be
    // written (permissions) does not fail the page: its objects were handled, the counts are right.
    this.writes.push(
      this.report!(part, this.unreported).catch((err: Error) =>
        log.warn(`report part ${part} (${rows} objects) not written: ${err.message}`),
      ),
    );
    this.unreported = [];
    this.unreportedBytes = 0;
  }

  /** Writes what is left of the report and waits for every part. */
  async reported(): Promise<void> {
    this.flush();
    await Promise.all(this.writes);
  }
}
