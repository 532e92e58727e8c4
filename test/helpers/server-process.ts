// Temporal servers for workflow tests, started here rather than by the SDK: the SDK gives a server 5 seconds
// to open its port, which a JVM or a dev server on a loaded, shared machine can take longer than.
import net from 'node:net';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';

const PATIENCE_MS = 180_000;

export interface ServerProcess {
  address: string;
  stop(): Promise<void>;
}

/** A port free on loopback now, chosen by the kernel. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  process.kill(-child.pid!, 'SIGTERM');
  const killer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 10_000);
  await exited;
  clearTimeout(killer);
}

/** Starts `command` (in its own process group) with the port it is to listen on, and waits until it does. */
export async function startServerProcess(command: string, argsFor: (port: number) => string[]): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(command, argsFor(port), { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  const deadline = Date.now() + PATIENCE_MS;
  while (!(await accepts(port))) {
    if (child.exitCode !== null)
      throw new Error(`${command} exited with ${child.exitCode} before listening on ${port}: ${stderr}`);
    if (Date.now() > deadline) {
      await stopGroup(child);
      throw new Error(`${command} did not listen on ${port} within ${PATIENCE_MS / 1000} s: ${stderr}`);
    }
    await sleep(200);
  }
  return { address: `127.0.0.1:${port}`, stop: () => stopGroup(child) };
}
