import type { Connected } from './connect';
import { SKIP_REASONS, type Counts, type MigrationSummary, type SkipReason } from '../common/types';
import { migrationWorkflowId } from '../common/workflow-ids';
import { describeMigration, SEALED } from './describe-migration';
import { migrationIds } from './list-migrations';

/** The latest migration of one prefix of a bucket, as Temporal keeps it. */
export interface PrefixMigration {
  workflowId: string;
  prefix: string;
  /** Temporal's status of its latest run: COMPLETED, RUNNING, FAILED, CANCELLED, TERMINATED, TIMED_OUT. */
  status: string;
  allVersions: boolean;
  /** Of a completed one. */
  summary?: Pick<MigrationSummary, 'keyArn' | 'counts'>;
}

/**
 * Where the read-deny of unmarked versions applies: `prefixes`; why it does not elsewhere: `notes`; and what
 * would forbid writing it: `blockers` (objects it would make unreadable by version that a migration left behind).
 */
export interface ReadDenyPlan {
  prefixes: string[];
  notes: string[];
  blockers: string[];
}

/**
 * Skips the read-deny is meant for, or that lock nothing: every other skip, and every failure, leaves an object it
 * would lock.
 */
const NOT_LOCKED: ReadonlySet<SkipReason> = new Set(['vanished', 'noncurrent-not-updatable']);

/** Objects a migration left unmarked that a reader may still want: by reason, in the order S3 users read them. */
function leftUnmarked(counts: Counts): [string, number][] {
  const left: [string, number][] = SKIP_REASONS.filter((r) => !NOT_LOCKED.has(r)).map((r) => [
    r,
    counts.skipped[r] ?? 0,
  ]);
  left.push(['under the key without it (10 tags)', counts.unmarked ?? 0], ['failed', counts.failed]);
  return left.filter(([, n]) => n > 0);
}

/** Pure: from the latest migration of each prefix, where the read-deny goes and whether anything forbids it. */
export function readDenyPlan(bucket: string, keyArn: string, migrations: PrefixMigration[]): ReadDenyPlan {
  const plan: ReadDenyPlan = { prefixes: [], notes: [], blockers: [] };
  const where = (m: PrefixMigration) => `s3://${bucket}/${m.prefix} (${m.workflowId})`;
  if (migrations.length === 0) {
    plan.notes.push(
      `not proposed: no migration of s3://${bucket} is known to Temporal; the read-deny would make every version not ` +
        `migrated yet unreadable by version: run the migration first`,
    );
  }
  for (const m of migrations) {
    if (m.status !== 'COMPLETED' || !m.summary) {
      plan.notes.push(
        `no read-deny under ${where(m)}: its latest migration is ${m.status.toLowerCase()}, not completed`,
      );
      continue;
    }
    if (m.summary.keyArn !== keyArn) {
      plan.notes.push(
        `no read-deny under ${where(m)}: it was migrated under ${m.summary.keyArn ?? 'another key'}, not ${keyArn}`,
      );
      continue;
    }
    const left = leftUnmarked(m.summary.counts);
    if (m.allVersions && (m.summary.counts.skipped['noncurrent-not-updatable'] ?? 0) === 0 && left.length === 0) {
      plan.notes.push(
        `no read-deny under ${where(m)}: --all-versions re-encrypted its older versions, none is left to hide`,
      );
      continue;
    }
    plan.prefixes.push(m.prefix);
    if (left.length > 0) {
      const detail = left.map(([what, n]) => `${n} ${what}`).join(', ');
      plan.blockers.push(
        `the latest migration of ${where(m)} left objects without the marker (${detail}) that the read-deny would make unreadable by version; ` +
          'migrate them (npm run migrate -- report shows which), or apply without --worker-principal (the upload ' +
          'statements only)',
      );
    }
  }
  return plan;
}

/**
 * The latest migration of every prefix of the bucket, found by workflow ID (no custom search attribute needed);
 * a completed one with its summary.
 */
export async function latestMigrationsOf(connected: Connected, bucket: string): Promise<PrefixMigration[]> {
  const ids = await migrationIds(
    connected,
    `WorkflowId STARTS_WITH '${migrationWorkflowId(bucket, '').replace(/'/g, "\\'")}'`,
  );
  return Promise.all(
    ids.sort().map(async (workflowId): Promise<PrefixMigration> => {
      const described = await describeMigration(connected, workflowId);
      // Its options and summary decide what the read-deny may cover: unreadable, nothing is proposed.
      if (described.sealed) throw new Error(`migration ${workflowId}: ${SEALED}`);
      const migration: PrefixMigration = {
        workflowId,
        prefix: described.prefix ?? workflowId.slice(migrationWorkflowId(bucket, '').length),
        status: described.status,
        allVersions: described.options?.allVersions === true,
      };
      if (described.status === 'COMPLETED') {
        migration.summary = (await connected.client.workflow.getHandle(workflowId).result()) as MigrationSummary;
      }
      return migration;
    }),
  );
}
