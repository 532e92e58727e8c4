// npm run bench:start: how long a worker takes to start polling, and its memory, run from source with tsx
// (webpack bundles the workflows at every start) against the compiled worker with its prebuilt bundle.
// On a local stack of its own; three starts of each, alternating. Prints a table, then one JSON line.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { processGroupMemoryMb } from './lib/process-memory';
import { buildWorkerIfStale, COMPILED_WORKER, ROOT, TSX } from './lib/worker-process';

const RUNS = 3;
const SETTLE_MS = 15_000;

interface Start {
  startMs: number;
  rssAtStartMb: number;
  rssSettledMb: number;
}

async function measure(command: string, args: string[]): Promise<Start> {
  const started = Date.now();
  const child = spawn(command, args, {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, MIGRATOR_METRICS_PORT: '0' },
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  while (!out.includes('worker started')) {
    if (child.exitCode !== null) throw new Error(`worker exited with ${child.exitCode}:\n${out}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  const startMs = Date.now() - started;
  const atStart = processGroupMemoryMb(child.pid!);
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  const settled = processGroupMemoryMb(child.pid!);
  const exited = new Promise((r) => child.once('exit', r));
  process.kill(-child.pid!, 'SIGTERM');
  await exited;
  return { startMs, rssAtStartMb: atStart.rssMb, rssSettledMb: settled.rssMb };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  buildWorkerIfStale();
  const contenders = {
    'from source (tsx, bundles at start)': [TSX, [path.join(ROOT, 'workers/main.ts')]] as const,
    'compiled (dist/, prebuilt bundle)': [process.execPath, [COMPILED_WORKER]] as const,
  };
  const results: Record<string, Start[]> = {};
  for (let i = 0; i < RUNS; i++) {
    for (const [name, [command, args]] of Object.entries(contenders)) {
      (results[name] ??= []).push(await measure(command, [...args]));
      console.error(`[bench:start] ${name}: run ${i + 1} of ${RUNS}`);
    }
  }
  const rows = Object.entries(results).map(([name, runs]) => ({
    name,
    startMs: median(runs.map((r) => r.startMs)),
    rssAtStartMb: median(runs.map((r) => r.rssAtStartMb)),
    rssSettledMb: median(runs.map((r) => r.rssSettledMb)),
    startMsRange: [Math.min(...runs.map((r) => r.startMs)), Math.max(...runs.map((r) => r.startMs))],
  }));
  console.log(
    `Node ${process.version}, medians of ${RUNS} starts (start: spawn to "worker started"; RSS of the largest process)`,
  );
  console.log(
    `${'worker'.padEnd(38)} ${'start ms'.padStart(9)} ${'range'.padStart(12)} ${'RSS at start MB'.padStart(16)} ${`RSS +${SETTLE_MS / 1000} s MB`.padStart(14)}`,
  );
  for (const r of rows) {
    console.log(
      `${r.name.padEnd(38)} ${String(r.startMs).padStart(9)} ${r.startMsRange.join('–').padStart(12)} ` +
        `${String(r.rssAtStartMb).padStart(16)} ${String(r.rssSettledMb).padStart(14)}`,
    );
  }
  console.log(JSON.stringify({ node: process.version, workers: rows }));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
