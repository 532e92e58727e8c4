import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

const { EventType } = temporal.api.enums.v1;

export interface HistoryStats {
  /** Workflow runs: the coordinator's runs (one per continue-as-new), pages, multipart copies. */
  runs: number;
  coordinatorRuns: number;
  totalEvents: number;
  /** Activities scheduled (each at least one activity task; a Temporal Cloud action). */
  activities: number;
  /**
   * Events by workflow type and event type ("migratePage WORKFLOW_TASK_SCHEDULED"): where a migration's history goes.
   */
  eventsByType: Record<string, number>;
  largestHistory: number;
  /** Largest history of any run, by workflow type (migrateBucket, migratePage, copyInParts). */
  largestByType: Record<string, number>;
  /** From the first run's start to the last run's close (server times): the migration's own duration. */
  seconds: number;
}

/** Events of every run that belongs to one migration (its coordinator and all its children), read from the server. */
export async function historyStats(client: Client, coordinatorId: string): Promise<HistoryStats> {
  const stats: HistoryStats = {
    runs: 0,
    coordinatorRuns: 0,
    totalEvents: 0,
    activities: 0,
    eventsByType: {},
    largestHistory: 0,
    largestByType: {},
    seconds: 0,
  };
  let [firstStart, lastClose] = [Infinity, 0];
  const quoted = `'${coordinatorId.replace(/'/g, "\\'")}'`;
  for await (const run of client.workflow.list({ query: `RootWorkflowId = ${quoted} OR WorkflowId = ${quoted}` })) {
    const history = await client.workflow.getHandle(run.workflowId, run.runId).fetchHistory();
    const events = history.events?.length ?? 0;
    stats.runs++;
    if (run.workflowId === coordinatorId) stats.coordinatorRuns++;
    stats.totalEvents += events;
    stats.activities += history.events?.filter((e) => e.activityTaskScheduledEventAttributes).length ?? 0;
    for (const event of history.events ?? []) {
      const name =
        `${run.type} ` + `${(EventType[event.eventType ?? 0] ?? String(event.eventType)).replace(/^EVENT_TYPE_/, '')}`;
      stats.eventsByType[name] = (stats.eventsByType[name] ?? 0) + 1;
    }
    stats.largestHistory = Math.max(stats.largestHistory, events);
    stats.largestByType[run.type] = Math.max(stats.largestByType[run.type] ?? 0, events);
    firstStart = Math.min(firstStart, run.startTime.getTime());
    lastClose = Math.max(lastClose, run.closeTime?.getTime() ?? 0);
  }
  stats.seconds = Math.max(0, lastClose - firstStart) / 1000;
  return stats;
}
