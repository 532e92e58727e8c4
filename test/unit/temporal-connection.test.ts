import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { checkNamespace, connectFailure, temporalTargetFromEnv } from '../../common/temporal-connection';
import { makeTestCertificates, type TestCertificates } from '../helpers/certificates';

describe('Temporal connection settings (@temporalio/envconfig)', () => {
  let certs: TestCertificates;
  let toml: string;
  before(() => {
    certs = makeTestCertificates();
    toml = path.join(certs.dir, 'temporal.toml');
    writeFileSync(
      toml,
      [
        '[profile.default]',
        'address = "temporal.internal:7233"',
        'namespace = "ops"',
        '[profile.prod]',
        'address = "prod.tmprl.example:7233"',
        'namespace = "migrations.abc12"',
        '[profile.prod.tls]',
        `client_cert_path = "${certs.clientCert}"`,
        `client_key_path = "${certs.clientKey}"`,
        '[profile.cloud]',
        'address = "us-east-1.aws.api.temporal.io:7233"',
        'namespace = "migrations.abc12"',
        'api_key = "secret-key"',
      ].join('\n'),
    );
  });
  after(() => rmSync(certs.dir, { recursive: true, force: true }));

  const noFile = { TEMPORAL_CONFIG_FILE: '/nonexistent/temporal.toml' };

  it('defaults to a plaintext localhost:7233, namespace default', () => {
    const t = temporalTargetFromEnv(noFile);
    assert.deepEqual([t.address, t.namespace, t.security], ['localhost:7233', 'default', 'plaintext']);
    assert.equal(t.connectionOptions.tls, undefined);
  });

  it('reads a profile of the TOML file, and the environment overrides it', () => {
    const t = temporalTargetFromEnv({ TEMPORAL_CONFIG_FILE: toml });
    assert.deepEqual([t.address, t.namespace], ['temporal.internal:7233', 'ops']);
    const overridden = temporalTargetFromEnv({
      TEMPORAL_CONFIG_FILE: toml,
      TEMPORAL_NAMESPACE: 'other',
      TEMPORAL_ADDRESS: '',
    });
    assert.deepEqual(
      [overridden.address, overridden.namespace],
      ['temporal.internal:7233', 'other'],
      'an empty variable means unset',
    );
  });

  it('takes a client certificate pair for mTLS (profile or variables)', () => {
    const t = temporalTargetFromEnv({ TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'prod' });
    assert.equal(t.security, 'mTLS');
    const tls = t.connectionOptions.tls as { clientCertPair: { crt: Buffer; key: Buffer } };
    assert.deepEqual(Buffer.from(tls.clientCertPair.crt), readFileSync(certs.clientCert));
    const fromVars = temporalTargetFromEnv({
      ...noFile,
      TEMPORAL_TLS_CLIENT_CERT_PATH: certs.clientCert,
      TEMPORAL_TLS_CLIENT_KEY_DATA: readFileSync(certs.clientKey, 'utf8'),
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.caCert,
    });
    assert.equal(fromVars.security, 'mTLS');
  });

  it('turns TLS on for an API key (Temporal Cloud)', () => {
    const t = temporalTargetFromEnv({ TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'cloud' });
    assert.equal(t.security, 'API key');
    assert.equal(t.connectionOptions.apiKey, 'secret-key');
    assert.equal(t.connectionOptions.tls, true);
  });

  it('refuses an API key with TLS turned off: it would go in clear', () => {
    assert.throws(
      () =>
        temporalTargetFromEnv({
          ...noFile,
          TEMPORAL_API_KEY: 'secret-key',
          TEMPORAL_TLS: 'false',
          TEMPORAL_ADDRESS: 'temporal.example.com:7233',
        }),
      /TEMPORAL_API_KEY is set but TLS is off .* sent in clear to temporal\.example\.com:7233/,
    );
  });

  it('names what is wrong before connecting', () => {
    const bad = (env: NodeJS.ProcessEnv, message: RegExp) =>
      assert.throws(() => temporalTargetFromEnv({ ...noFile, ...env }), message);
    bad({ TEMPORAL_ADDRESS: 'localhost' }, /TEMPORAL_ADDRESS: must be host:port.*got "localhost"/);
    bad(
      { TEMPORAL_TLS_CLIENT_CERT_PATH: certs.clientCert },
      /client certificate is set but not its key \(TEMPORAL_TLS_CLIENT_KEY_PATH/,
    );
    bad({ TEMPORAL_TLS_CLIENT_KEY_PATH: certs.clientKey }, /client key is set but not its certificate/);
    bad(
      { TEMPORAL_TLS_CLIENT_CERT_PATH: '/nonexistent/client.pem', TEMPORAL_TLS_CLIENT_KEY_PATH: certs.clientKey },
      /TEMPORAL_TLS_CLIENT_CERT_PATH \(\/nonexistent\/client.pem\): cannot read/,
    );
    bad(
      { TEMPORAL_TLS_CLIENT_CERT_PATH: certs.clientKey, TEMPORAL_TLS_CLIENT_KEY_PATH: certs.clientKey },
      /TEMPORAL_TLS_CLIENT_CERT_PATH .* is not a PEM certificate/,
    );
    bad(
      { TEMPORAL_TLS_CLIENT_CERT_PATH: certs.clientCert, TEMPORAL_TLS_CLIENT_KEY_PATH: certs.strangerKey },
      /TEMPORAL_TLS_CLIENT_KEY_PATH .* is not the key of the certificate in TEMPORAL_TLS_CLIENT_CERT_PATH/,
    );
    bad({ TEMPORAL_TLS_SERVER_CA_CERT_DATA: 'garbage' }, /TEMPORAL_TLS_SERVER_CA_CERT_DATA is not a PEM certificate/);
    bad(
      { TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'staging' },
      /invalid Temporal connection settings \(TEMPORAL_CONFIG_FILE .*, TEMPORAL_PROFILE staging\): .*staging/,
    );
  });

  it('refuses an expired certificate, naming where it came from', () => {
    const inThreeDays = Date.now() + 3 * 86_400_000;
    assert.throws(
      () => temporalTargetFromEnv({ TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'prod' }, inThreeDays),
      /profile "prod" tls.client_cert_path \(.*client.pem\) expired on/,
    );
  });

  it('says which setting to check when connecting fails (TLS reasons: test/integration/temporal-tls.test.ts)', async () => {
    const plain = temporalTargetFromEnv(noFile);
    assert.match(
      (await connectFailure(plain, new Error('connection refused'))).message,
      /cannot reach Temporal at localhost:7233 \(TEMPORAL_ADDRESS\): connection refused/,
    );
    const tlsNobodyThere = temporalTargetFromEnv({ ...noFile, TEMPORAL_ADDRESS: '127.0.0.1:1', TEMPORAL_TLS: 'true' });
    assert.match(
      (await connectFailure(tlsNobodyThere, new Error('deadline'))).message,
      /cannot reach Temporal at 127.0.0.1:1 \(TEMPORAL_ADDRESS\): deadline/,
    );
  });

  it('turns a missing namespace or refused credentials into a message naming them', async () => {
    const target = temporalTargetFromEnv({ ...noFile, TEMPORAL_NAMESPACE: 'nope' });
    const failing = (code: number) => ({
      describeNamespace: async () => Promise.reject(Object.assign(new Error(`${code}`), { code, details: 'detail' })),
    });
    await assert.rejects(
      checkNamespace(failing(5), target),
      /namespace "nope" does not exist on Temporal at localhost:7233 \(TEMPORAL_NAMESPACE\)/,
    );
    await assert.rejects(
      checkNamespace(failing(7), target),
      /refused access to namespace "nope" with these credentials \(plaintext\)/,
    );
    await assert.rejects(checkNamespace(failing(16), target), /refused access/);
    await assert.rejects(checkNamespace(failing(14), target), /^Error: 14$/);
    await checkNamespace({ describeNamespace: async () => ({}) }, target);
  });
});
