import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildWorkerIfStale, ROOT } from '../../lab/lib/worker-process';
import { stackEnv } from '../helpers/stack-env';

// What an operator does outside a checkout: install the packed client and run it as a command.
describe('the client installed as a command (npm pack, npm install -g)', () => {
  let dir: string;
  let bin: string;
  before(() => {
    buildWorkerIfStale();
    dir = mkdtempSync(path.join(tmpdir(), 'client-'));
    // prepack would build again; dist/ is current (built above).
    execFileSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', dir], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'))!;
    execFileSync(
      'npm',
      [
        'install',
        '-g',
        '--prefix',
        path.join(dir, 'prefix'),
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        path.join(dir, tarball),
      ],
      {
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
    bin = path.join(dir, 'prefix/bin/s3-kms-migrator');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('ships the compiled code only, and answers as s3-kms-migrator', () => {
    assert.ok(existsSync(bin));
    const pkg = path.join(dir, 'prefix/lib/node_modules/s3-kms-migrator');
    assert.deepEqual(
      readdirSync(pkg)
        .filter((f) => !['node_modules'].includes(f))
        .sort(),
      ['README.md', 'dist', 'docs', 'package.json'],
    );
    assert.ok(!existsSync(path.join(pkg, 'node_modules/typescript')), 'no dev dependencies');
    const help = spawnSync(bin, ['--help'], { encoding: 'utf8' });
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /^Usage: s3-kms-migrator \[options\] \[command\]/);
    assert.match(help.stdout, /cancel/);
  });

  it('talks to Temporal like the checkout does', () => {
    const status = spawnSync(bin, ['status', '--json'], { encoding: 'utf8', env: { ...process.env, ...stackEnv() } });
    assert.equal(status.status, 0, status.stderr);
    assert.ok(Array.isArray(JSON.parse(status.stdout).migrations));
    const bad = spawnSync(bin, ['--bucket', 'Bad_Bucket', '--kms-key', 'k'], {
      encoding: 'utf8',
      env: { ...process.env, ...stackEnv() },
    });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /^s3-kms-migrator: --bucket may hold only lowercase letters/);
  });
});
