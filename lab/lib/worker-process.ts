import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export const ROOT = path.join(__dirname, '../..');
export const TSX = path.join(ROOT, 'node_modules/.bin/tsx');
/** The compiled worker, as `npm run worker` and the image run it. */
export const COMPILED_WORKER = path.join(ROOT, 'dist/workers/main.js');

/**
 * Builds dist/ when a source file is newer than it (as `npm run worker` does), so lab runs test the code in the
 * checkout.
 */
export function buildWorkerIfStale(): void {
  execFileSync('bash', [path.join(ROOT, 'scripts/build-if-stale.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
}

export interface WorkerProcess {
  child: ChildProcess;
  output(): string;
  kill(signal: NodeJS.Signals): Promise<void>;
}

/** The compiled worker (npm run worker) as its own process group, so a kill reaches it and anything it starts. */
export async function spawnWorkerProcess(env: NodeJS.ProcessEnv): Promise<WorkerProcess> {
  buildWorkerIfStale();
  const child = spawn(process.execPath, [COMPILED_WORKER], {
    cwd: ROOT,
    // Metrics off unless asked for: several workers of a test share the host, and 9464 with it.
    env: { LOG_LEVEL: 'info', MIGRATOR_METRICS_PORT: '0', ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  // Never leave a worker behind when the test process ends early.
  const reap = () => {
    if (child.exitCode === null) process.kill(-child.pid!, 'SIGKILL');
  };
  process.once('exit', reap);
  void exited.then(() => process.off('exit', reap));
  const started = Date.now();
  while (!out.includes('worker started')) {
    if (child.exitCode !== null) throw new Error(`worker exited with ${child.exitCode}:\n${out}`);
    if (Date.now() - started > 60_000) throw new Error(`worker did not start within 60 s:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child,
    output: () => out,
    async kill(signal) {
      if (child.exitCode === null) process.kill(-child.pid!, signal);
      await exited;
    },
  };
}
