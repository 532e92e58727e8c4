import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { migrationOptionsFrom } from '../../client/options';
import { workerConfigFromEnv } from '../../workers/config';
import { DEFAULTS } from '../../common/types';

describe('client options', () => {
  it('fills the defaults', () => {
    const o = migrationOptionsFrom({ bucket: 'my-bucket', kmsKey: 'alias/k' });
    assert.equal(o.multipartThresholdBytes, DEFAULTS.multipartThresholdBytes);
    assert.equal(o.tagKey, '__ObjectEncrypted');
    assert.equal(o.prefix, '');
    assert.equal(o.bucketKeyEnabled, false);
  });
  it('names the flag at fault', () => {
    assert.throws(() => migrationOptionsFrom({ bucket: 'ab', kmsKey: 'k' }), /--bucket must be 3 to 63/);
    assert.throws(
      () => migrationOptionsFrom({ bucket: 'abc', kmsKey: 'k', prefix: 'x'.repeat(1025) }),
      /--prefix must be at most 1024 bytes/,
    );
    assert.throws(
      () => migrationOptionsFrom({ bucket: 'abc', kmsKey: 'k', multipartThreshold: String(6 * 1024 ** 3) }),
      /at most 5 GiB/,
    );
  });
  it('takes only a marker tag S3 accepts: its characters, lengths, and no aws: key', () => {
    const marker = (tagKey: string, tagValue = 'true') =>
      migrationOptionsFrom({ bucket: 'abc', kmsKey: 'k', tagKey, tagValue });
    assert.equal(marker('Encrypted:KMS/2026 @team_a-b+c=d').tagKey, 'Encrypted:KMS/2026 @team_a-b+c=d');
    assert.equal(marker('état', 'é 1').tagValue, 'é 1', 'letters of any script');
    assert.throws(() => marker('a&b'), /--tag-key may hold only letters, digits, spaces and \+ - = \. _ : \/ @/);
    assert.throws(() => marker('k', 'v?x'), /--tag-value may hold only/);
    assert.throws(() => marker('aws:created'), /--tag-key must not start with aws:/);
    assert.throws(() => marker(''), /--tag-key must not be empty/);
    assert.throws(() => marker('k'.repeat(129)), /at most 128 characters/);
    assert.throws(() => marker('k', 'v'.repeat(257)), /at most 256 characters/);
    assert.equal(marker('k'.repeat(128), 'v'.repeat(256)).tagValue.length, 256, 'the longest ASCII marker fits');
    assert.throws(
      () => marker('é'.repeat(100), 'ü'.repeat(100)),
      /together, as a copy sends them \(percent-encoded in its x-amz-tagging header\), must be at most 512 bytes/,
    );
  });
});

describe('worker configuration', () => {
  it('reads the environment with defaults', () => {
    const c = workerConfigFromEnv({ AWS_REGION: 'eu-west-1' });
    assert.equal(c.temporal.address, 'localhost:7233');
    assert.equal(c.temporal.namespace, 'default');
    assert.equal(c.temporal.security, 'plaintext');
    assert.equal(c.AWS_ENDPOINT_URL, undefined);
    assert.equal(c.MIGRATOR_S3_CLIENT, 'lean');
    assert.equal(workerConfigFromEnv({ AWS_REGION: 'us-east-1', MIGRATOR_S3_CLIENT: 'sdk' }).MIGRATOR_S3_CLIENT, 'sdk');
    assert.equal(workerConfigFromEnv({ AWS_DEFAULT_REGION: 'us-west-2' }).AWS_REGION, 'us-west-2');
  });
  it('names each invalid setting', () => {
    assert.throws(() => workerConfigFromEnv({}), /AWS_REGION: is required/);
    assert.throws(
      () => workerConfigFromEnv({ AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL: 'nope' }),
      /AWS_ENDPOINT_URL: must be a URL.*got "nope"/,
    );
    assert.throws(
      () => workerConfigFromEnv({ AWS_REGION: 'us-east-1', TEMPORAL_ADDRESS: 'localhost' }),
      /TEMPORAL_ADDRESS: must be host:port/,
    );
    assert.throws(
      () => workerConfigFromEnv({ AWS_REGION: 'us-east-1', MIGRATOR_KMS_ACTIVITY_SLOTS: '0' }),
      /MIGRATOR_KMS_ACTIVITY_SLOTS: must be at least 1/,
    );
    assert.throws(
      () => workerConfigFromEnv({ AWS_REGION: 'us-east-1', MIGRATOR_S3_CLIENT: 'fast' }),
      /MIGRATOR_S3_CLIENT: must be lean or sdk/,
    );
  });
});
