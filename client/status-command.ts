// The status command: one migration's progress or summary, or every running and recent migration.
import { withTemporal } from './connect';
import { formatMigrationList, listMigrations } from './list-migrations';
import { migrationStatus, formatStatus } from './status';
import { EXIT_OK } from './summary';

export async function runStatus(workflowId: string | undefined, flags: { json?: boolean }): Promise<number> {
  return withTemporal(async (connected) => {
    if (workflowId === undefined) {
      const listed = await listMigrations(connected);
      console.log(flags.json ? JSON.stringify(listed) : formatMigrationList(listed));
      return EXIT_OK;
    }
    const report = await migrationStatus(connected, workflowId);
    console.log(flags.json ? JSON.stringify(report) : formatStatus(report));
    return EXIT_OK;
  });
}
