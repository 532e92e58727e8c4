import { stackEnv } from './stack-env';
import { runClient, type CliRun } from '../../lab/lib/run-client';

export type { CliRun };

/** Runs the operators' script against the test stack. */
export function runMigrate(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return runClient(args, { ...stackEnv(), ...extraEnv });
}
