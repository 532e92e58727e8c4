import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { WORKER_ENV_NAMES } from '../../workers/config';
import { KMS_TASK_QUEUE } from '../../common/types';
import { MIGRATION_SEARCH_ATTRIBUTES } from '../../common/search-attributes';

const ROOT = path.join(__dirname, '../..');
// The AWS SDK's own standard credential variables, read by the SDK rather than our config.
const SDK_ENV = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'];

describe('docker-compose.yml (no Docker engine here: checked for consistency)', () => {
  const compose = parse(readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'));
  const services = compose.services;

  it('has Temporal with its database, its setup jobs, the Web UI, the worker, and the emulator as a profile', () => {
    assert.deepEqual(Object.keys(services).sort(), [
      'moto',
      'postgresql',
      'temporal',
      'temporal-namespace',
      'temporal-schema',
      'temporal-ui',
      'worker',
    ]);
    assert.deepEqual(services.moto.profiles, ['emulator']);
    assert.deepEqual(services.moto.entrypoint, ['python', '/emulator/server.py'], 'moto with the extension');
    assert.ok(services.moto.volumes.includes('./emulator:/emulator:ro'));
    assert.ok(existsSync(path.join(ROOT, 'emulator/server.py')));
    assert.equal(services.temporal.environment.POSTGRES_SEEDS, 'postgresql');
    assert.equal(services['temporal-ui'].environment.TEMPORAL_ADDRESS, 'temporal:7233');
    assert.equal(services.temporal.environment.DB, 'postgres12');
  });

  it('runs the supported images, each pinned, the server and its tools at the version the cluster tests run', () => {
    const images = Object.values(services)
      .map((s) => (s as { image?: string }).image)
      .filter(Boolean) as string[];
    for (const image of images) assert.match(image, /^[\w./-]+:\d+(\.\d+)+$/, `${image} is pinned to a version`);
    assert.ok(!images.some((i) => i.includes('auto-setup')), 'temporalio/auto-setup is deprecated');
    const installer = readFileSync(path.join(ROOT, 'scripts/install-stack.sh'), 'utf8');
    const tested = /TEMPORAL_SERVER_VERSION:-v([\d.]+)/.exec(installer)![1];
    assert.equal(services.temporal.image, `temporalio/server:${tested}`);
    assert.equal(services['temporal-schema'].image, `temporalio/admin-tools:${tested}`);
    assert.equal(services['temporal-namespace'].image, `temporalio/admin-tools:${tested}`);
  });

  it('sets up the schema before the server starts, and the namespace and search attributes before the workers', () => {
    assert.equal(services.temporal.depends_on['temporal-schema'].condition, 'service_completed_successfully');
    assert.equal(services.worker.depends_on['temporal-namespace'].condition, 'service_completed_successfully');
    assert.equal(services['temporal-schema'].depends_on.postgresql.condition, 'service_healthy');
    assert.ok(services.postgresql.healthcheck.test.join(' ').includes('pg_isready'));
    for (const job of ['temporal-schema', 'temporal-namespace']) {
      assert.ok(services[job].volumes.includes('./deploy:/deploy:ro'), job);
      const script = services[job].entrypoint.at(-1).replace('/deploy/', 'deploy/');
      assert.ok(existsSync(path.join(ROOT, script)), `${job} runs ${script}, which exists`);
    }
    assert.equal(services['temporal-schema'].environment.SQL_HOST, 'postgresql');
    assert.equal(services['temporal-namespace'].environment.TEMPORAL_ADDRESS, 'temporal:7233');
    const namespace = readFileSync(path.join(ROOT, 'deploy/temporal-namespace.sh'), 'utf8');
    const registered = /for name in ([\w ]+); do\s+retry "[^"]+" temporal operator search-attribute create/.exec(
      namespace,
    )![1];
    assert.deepEqual(registered.split(' ').sort(), MIGRATION_SEARCH_ATTRIBUTES.map((a) => a.name).sort());
  });

  it('gives the KMS queue one partition through the dynamic configuration the server reads', () => {
    assert.equal(services.temporal.environment.DYNAMIC_CONFIG_FILE_PATH, '/deploy/dynamicconfig.yaml');
    assert.ok(services.temporal.volumes.includes('./deploy:/deploy:ro'));
    const dynamic = parse(readFileSync(path.join(ROOT, 'deploy/dynamicconfig.yaml'), 'utf8'));
    for (const setting of ['matching.numTaskqueueReadPartitions', 'matching.numTaskqueueWritePartitions']) {
      assert.deepEqual(dynamic[setting], [{ value: 1, constraints: { taskQueueName: KMS_TASK_QUEUE } }], setting);
    }
  });

  it('publishes nothing on all interfaces unless the operator says so', () => {
    const published = Object.entries(services).flatMap(([name, s]) =>
      ((s as { ports?: string[] }).ports ?? []).map((port) => [name, port]),
    );
    assert.deepEqual(published.map(([name]) => name).sort(), ['moto', 'temporal', 'temporal-ui']);
    for (const [name, port] of published) {
      assert.match(
        port,
        /^\$\{PUBLISH_ADDRESS:-127\.0\.0\.1\}:\d+:\d+$/,
        `${name} publishes ${port} on loopback by default`,
      );
    }
    assert.equal(services.worker.ports, undefined, "the workers' metrics stay inside the compose network");
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
