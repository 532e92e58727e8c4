import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { WORKER_ENV_NAMES } from '../../workers/config';

const ROOT = path.join(__dirname, '../..');
// The AWS SDK's own standard credential variables, read by the SDK rather than our config.
const SDK_ENV = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'];

describe('docker-compose.yml (no Docker engine here: checked for consistency)', () => {
  const compose = parse(readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'));
  const services = compose.services;

  it('has Temporal with its database, the Web UI, the worker, and the emulator as a profile', () => {
    assert.deepEqual(Object.keys(services).sort(), ['moto', 'postgresql', 'temporal', 'temporal-ui', 'worker']);
    assert.deepEqual(services.moto.profiles, ['emulator']);
    assert.deepEqual(services.moto.entrypoint, ['python', '/emulator/server.py'], 'moto with the extension');
    assert.ok(services.moto.volumes.includes('./emulator:/emulator:ro'));
    assert.ok(existsSync(path.join(ROOT, 'emulator/server.py')));
    assert.equal(services.temporal.environment.POSTGRES_SEEDS, 'postgresql');
    assert.ok(services.temporal.depends_on.postgresql);
    assert.equal(services['temporal-ui'].environment.TEMPORAL_ADDRESS, 'temporal:7233');
    assert.ok(services.temporal.ports.includes('7233:7233'));
  });

  it('builds the worker from the Dockerfile that starts the compiled worker', () => {
    assert.equal(services.worker.build, '.');
    const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
    assert.match(dockerfile, /CMD \["node", "dist\/workers\/main\.js"\]/);
    for (const dir of dockerfile.matchAll(/^COPY ([^-\s]\S*) /gm)) {
      assert.ok(existsSync(path.join(ROOT, dir[1])), `Dockerfile copies ${dir[1]}, which exists`);
    }
  });

  it('gives the worker only settings it really reads, and the ones it needs', () => {
    const names = Object.keys(services.worker.environment);
    for (const name of names) {
      assert.ok(WORKER_ENV_NAMES.includes(name) || SDK_ENV.includes(name), `worker reads ${name}`);
    }
    for (const needed of ['TEMPORAL_ADDRESS', 'AWS_REGION']) assert.ok(names.includes(needed), needed);
    assert.equal(services.worker.environment.TEMPORAL_ADDRESS, 'temporal:7233');
  });
});
