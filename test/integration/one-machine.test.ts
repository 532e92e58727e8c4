// One machine, real AWS, no cluster (npm run local:up): Temporal's dev server on a SQLite file outside the
// checkout and one worker, on loopback. Its data survives local:down and up again; the worker is given no
// emulator and no test credentials, and a shell that carries them is refused. No AWS request is made here: the
// worker is started with example credentials, which AWS would refuse.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { ROOT } from '../../lab/lib/worker-process';

const home = mkdtempSync(path.join(os.tmpdir(), 's3kms-one-machine-'));
const [port, uiPort] = spawnSync('node', ['scripts/free-ports.mjs', '2'], { cwd: ROOT, encoding: 'utf8' })
  .stdout.trim()
  .split(' ');
/** An operator's shell on a machine with AWS credentials of its own, and none of the local stack's settings. */
const operatorEnv: NodeJS.ProcessEnv = {
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  S3_KMS_MIGRATOR_NODE: process.env.S3_KMS_MIGRATOR_NODE,
  S3_KMS_MIGRATOR_HOME: home,
  TEMPORAL_PORT: port,
  TEMPORAL_UI_PORT: uiPort,
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};
const local = (command: string, env: NodeJS.ProcessEnv = operatorEnv) =>
  spawnSync('bash', ['scripts/one-machine.sh', command], { cwd: ROOT, env, encoding: 'utf8', timeout: 180_000 });

async function withClient<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const connection = await Connection.connect({ address: `127.0.0.1:${port}` });
  try {
    return await work(new Client({ connection }));
  } finally {
    await connection.close();
  }
}

describe('one machine, real AWS (npm run local:up)', { timeout: 300_000 }, () => {
  before(() => {
    const up = local('up');
    assert.equal(up.status, 0, up.stderr);
  });
  after(() => {
    local('down');
    rmSync(home, { recursive: true, force: true });
  });

  it('runs Temporal on a file outside the checkout and a worker pointed at AWS, and writes an env with neither emulator nor keys', () => {
    const data = path.join(home, 'temporal');
    assert.ok(existsSync(path.join(data, 'temporal.db')), 'the SQLite file in $S3_KMS_MIGRATOR_HOME/temporal');
    const env = readFileSync(path.join(home, 'env'), 'utf8');
    assert.match(env, new RegExp(`TEMPORAL_ADDRESS=127\\.0\\.0\\.1:${port}`));
    assert.doesNotMatch(env, /AWS_ENDPOINT_URL|AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY/);
    const started = readFileSync(path.join(data, 'worker.log'), 'utf8')
      .split('\n')
      .filter((line) => line.includes('"msg":"worker started"'))
      .map((line) => JSON.parse(line))[0];
    assert.equal(started.endpoint, 'AWS');
    assert.equal(started.region, 'eu-west-1');
    assert.equal(started.metrics, 'off', 'nothing served beyond loopback');
  });

  it('keeps what Temporal holds across local:down and up again', async () => {
    const workflowId = `kept-${Date.now()}`;
    await withClient((client) =>
      client.workflow.start('notRegistered', { taskQueue: 'one-machine-test', workflowId, args: [] }),
    );
    const down = local('down');
    assert.equal(down.status, 0, down.stderr);
    assert.equal(local('status').stdout.includes('temporal: stopped'), true);
    const up = local('up');
    assert.equal(up.status, 0, up.stderr);
    const described = await withClient((client) => client.workflow.getHandle(workflowId).describe());
    assert.equal(described.status.name, 'RUNNING', 'the workflow started before the restart is still there');
    await withClient((client) => client.workflow.getHandle(workflowId).terminate('test done'));
  });

  it('refuses a shell that points at the local stack, and starts nothing', () => {
    const refused = local('up', {
      ...operatorEnv,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:4566',
    });
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /points at the local stack/);
  });
});
