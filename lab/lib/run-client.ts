import { spawn } from 'node:child_process';
import { ROOT, TSX } from './worker-process';

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The JSON object on the last line of stdout, when --json was given. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each test reads the fields of the command it ran
  json?: any;
}

/** Runs the operators' script (npm run migrate) as an operator would, and captures everything it says. */
export function runClient(args: string[], env: NodeJS.ProcessEnv): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(TSX, ['client/migrate.ts', ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const last = stdout.trim().split('\n').at(-1);
      let json;
      try {
        json = last ? JSON.parse(last) : undefined;
      } catch {
        json = undefined;
      }
      resolve({ code, stdout, stderr, json });
    });
  });
}
