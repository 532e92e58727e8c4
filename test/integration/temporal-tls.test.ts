import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { startTlsProxy, type TlsProxy } from '../../lab/lib/tls-proxy';
import { spawnWorkerProcess, type WorkerProcess } from '../../lab/lib/worker-process';
import { makeTestCertificates, type TestCertificates } from '../helpers/certificates';
import { createBucket, createKey, put, readObject } from '../helpers/aws';
import { runMigrate } from '../helpers/cli';
import { stackEnv } from '../helpers/stack-env';

// The dev server speaks plaintext only; a TLS front that demands client certificates stands in for an
// mTLS cluster. Worker and client reach it through the standard TEMPORAL_TLS_* settings.
describe('a Temporal cluster behind mTLS, and preflight messages', () => {
  let certs: TestCertificates;
  let proxy: TlsProxy;
  let worker: WorkerProcess | undefined;
  let mtls: NodeJS.ProcessEnv;
  before(async () => {
    certs = makeTestCertificates();
    proxy = await startTlsProxy({
      target: stackEnv().TEMPORAL_ADDRESS!,
      cert: readFileSync(certs.serverCert),
      key: readFileSync(certs.serverKey),
      clientCA: readFileSync(certs.caCert),
    });
    mtls = {
      TEMPORAL_ADDRESS: `localhost:${proxy.port}`,
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.caCert,
      TEMPORAL_TLS_CLIENT_CERT_PATH: certs.clientCert,
      TEMPORAL_TLS_CLIENT_KEY_PATH: certs.clientKey,
    };
  });
  after(async () => {
    await worker?.kill('SIGTERM');
    await proxy.close();
    rmSync(certs.dir, { recursive: true, force: true });
  });

  it('runs a migration with worker and client both on mTLS', async () => {
    worker = await spawnWorkerProcess({ ...stackEnv(), ...mtls });
    assert.match(worker.output(), /"security":"mTLS"/);
    const keyArn = await createKey();
    const bucket = await createBucket('mtls');
    await put(bucket, 'a.txt', 'over mTLS', { ServerSideEncryption: 'AES256' });
    const run = await runMigrate(['--bucket', bucket, '--kms-key', keyArn, '--wait'], mtls);
    assert.equal(run.code, 0, run.stderr);
    assert.equal((await readObject(bucket, 'a.txt')).keyArn, keyArn);
  });

  it('says TLS failed, and what to check, for a certificate the server does not trust', async () => {
    const run = await runMigrate(['status'], {
      ...mtls,
      TEMPORAL_TLS_CLIENT_CERT_PATH: certs.strangerCert,
      TEMPORAL_TLS_CLIENT_KEY_PATH: certs.strangerKey,
    });
    assert.equal(run.code, 1, run.stderr);
    assert.match(
      run.stderr,
      new RegExp(
        `TLS with Temporal at localhost:${proxy.port} failed \\(mTLS; check.*: the server closed the connection ` +
          `after the handshake: it refused the client certificate`,
      ),
    );
  });

  it("says TLS failed when the server's certificate is not trusted, or the server wants a client certificate", async () => {
    const untrusted = await runMigrate(['status'], { ...mtls, TEMPORAL_TLS_SERVER_CA_CERT_PATH: '' });
    assert.equal(untrusted.code, 1, untrusted.stderr);
    assert.match(
      untrusted.stderr,
      /TLS with Temporal at localhost:\d+ failed \(mTLS; .*\): (unable to get local issuer certificate|self-signed certificate in certificate chain)/,
    );
    const noCert = await runMigrate(['status'], {
      ...mtls,
      TEMPORAL_TLS_CLIENT_CERT_PATH: '',
      TEMPORAL_TLS_CLIENT_KEY_PATH: '',
    });
    assert.equal(noCert.code, 1, noCert.stderr);
    assert.match(
      noCert.stderr,
      /TLS with Temporal at localhost:\d+ failed \(TLS; .*\): .*it wants a client certificate/,
    );
  });

  it('names a broken certificate setting before connecting, in the client and the worker', async () => {
    const broken = { ...mtls, TEMPORAL_TLS_CLIENT_CERT_PATH: certs.clientKey };
    const run = await runMigrate(['status'], broken);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /TEMPORAL_TLS_CLIENT_CERT_PATH \(.*client\.key\) is not a PEM certificate/);
    await assert.rejects(
      spawnWorkerProcess({ ...stackEnv(), ...broken }),
      /exited with 1[^]*TEMPORAL_TLS_CLIENT_CERT_PATH \(.*client\.key\) is not a PEM certificate/,
    );
  });

  it('names a namespace that does not exist, in the client and the worker', async () => {
    const run = await runMigrate(['status'], { TEMPORAL_NAMESPACE: 'no-such-namespace' });
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      /namespace "no-such-namespace" does not exist on Temporal at [\d.]+:\d+ \(TEMPORAL_NAMESPACE\)/,
    );
    await assert.rejects(
      spawnWorkerProcess({ ...stackEnv(), TEMPORAL_NAMESPACE: 'no-such-namespace' }),
      /exited with 1[^]*namespace "no-such-namespace" does not exist/,
    );
  });
});
