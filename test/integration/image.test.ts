import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runDockerfileStages, type BuiltImage } from '../../lab/lib/dockerfile-stages';
import { ROOT } from '../../lab/lib/worker-process';
import { createBucket, createKey, put, readObject } from '../helpers/aws';
import { runMigrate } from '../helpers/cli';
import { stackEnv } from '../helpers/stack-env';

// No Docker engine here: the Dockerfile's stages run in directories, and the image's command runs the worker.
describe('the worker image (Dockerfile stages, run without Docker)', () => {
  let dir: string;
  let image: BuiltImage;
  let worker: ChildProcess | undefined;
  let output = '';
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'image-'));
    // The npm cache of this checkout's own install serves the packages; the registry only what is missing.
    image = runDockerfileStages(path.join(ROOT, 'Dockerfile'), ROOT, dir, {
      ...process.env,
      npm_config_prefer_offline: 'true',
    });
  });
  after(() => {
    if (worker?.exitCode === null) worker.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('is built on a current Node LTS and ships only the compiled worker, its bundle and production dependencies', () => {
    assert.ok(
      image.bases.every((b) => /^node:(22|24|26)\b/.test(b)),
      `bases: ${image.bases.join(', ')}`,
    );
    assert.deepEqual(readdirSync(image.workdir).sort(), ['dist', 'node_modules', 'package.json']);
    assert.ok(existsSync(path.join(image.workdir, 'dist/workflow-bundle.js')));
    assert.ok(existsSync(path.join(image.workdir, 'dist/workers/main.js')));
    assert.ok(existsSync(path.join(image.workdir, 'node_modules/@temporalio/worker')));
    for (const devOnly of ['typescript', 'tsx', 'yaml', '@temporalio/testing']) {
      assert.ok(!existsSync(path.join(image.workdir, 'node_modules', devOnly)), `${devOnly} is not shipped`);
    }
    assert.deepEqual(image.cmd, ['node', 'dist/workers/main.js']);
  });

  it("starts from the image's command with its production dependencies only, and migrates a bucket", async () => {
    const [command, ...args] = image.cmd;
    worker = spawn(command === 'node' ? process.execPath : command, args, {
      cwd: image.workdir,
      env: { ...stackEnv(), ...image.env, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    worker.stdout!.on('data', (d) => (output += d));
    worker.stderr!.on('data', (d) => (output += d));
    const started = Date.now();
    while (!output.includes('worker started')) {
      assert.equal(worker.exitCode, null, `the worker exited:\n${output}`);
      assert.ok(Date.now() - started < 60_000, `no start within 60 s:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }

    const keyArn = await createKey();
    const bucket = await createBucket('image');
    await put(bucket, 'a.txt', 'from the image', { ServerSideEncryption: 'AES256', Tagging: 'team=blue' });
    const run = await runMigrate(['--bucket', bucket, '--kms-key', keyArn, '--wait', '--json']);
    assert.equal(run.code, 0, run.stderr);
    const after = await readObject(bucket, 'a.txt');
    assert.equal(after.keyArn, keyArn);
    assert.deepEqual(after.tags, { team: 'blue', __ObjectEncrypted: 'true' });

    worker.kill('SIGTERM');
    await new Promise((r) => worker!.once('exit', r));
    assert.match(output, /worker stopped/);
  });
});
