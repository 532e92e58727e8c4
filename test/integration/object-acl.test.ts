import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateBucketCommand, GetObjectAclCommand, HeadObjectCommand, type Grant } from '@aws-sdk/client-s3';
import { createKey, put, randomBody, s3, uniqueBucketName } from '../helpers/aws';
import { startProxiedWorker, type ProxiedWorker } from '../helpers/proxied-worker';
import { runMigrate } from '../helpers/cli';
import { MIB } from '../../common/s3-limits';

const ALL_USERS = 'http://acs.amazonaws.com/groups/global/AllUsers';
const PARTNER = 'c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00';

async function bucketWith(ownership: 'ObjectWriter' | 'BucketOwnerEnforced'): Promise<string> {
  const bucket = uniqueBucketName(`acl-${ownership.toLowerCase()}`);
  await s3.send(new CreateBucketCommand({ Bucket: bucket, ObjectOwnership: ownership }));
  return bucket;
}

const grantsOf = async (bucket: string, key: string) => {
  const grants = (await s3.send(new GetObjectAclCommand({ Bucket: bucket, Key: key }))).Grants ?? [];
  const describe = (g: Grant) => `${g.Permission} ${g.Grantee?.ID ?? g.Grantee?.URI}`;
  return grants.map(describe).sort();
};

describe('object ACLs on the copy path', () => {
  let proxied: ProxiedWorker;
  let keyArn: string;
  before(async () => {
    proxied = await startProxiedWorker();
    keyArn = await createKey();
  });
  after(async () => {
    await proxied.stop();
  });

  it('where ACLs are in force, every copied object (single and multipart) keeps its grants', async () => {
    const bucket = await bucketWith('ObjectWriter');
    // Unencrypted objects: UpdateObjectEncryption refuses them, so they are copied.
    await put(bucket, 'public.html', '<html/>', { ACL: 'public-read', WebsiteRedirectLocation: '/moved.html' });
    await put(bucket, 'shared.csv', 'a,b', { GrantRead: `id="${PARTNER}"`, GrantFullControl: `id="${PARTNER}"` });
    await put(bucket, 'private.txt', 'p');
    await put(bucket, 'large-public.bin', randomBody(12 * MIB), { ACL: 'public-read' });
    const keys = ['public.html', 'shared.csv', 'private.txt', 'large-public.bin'];
    const before = Object.fromEntries(await Promise.all(keys.map(async (k) => [k, await grantsOf(bucket, k)])));
    assert.ok(before['public.html'].includes(`READ ${ALL_USERS}`), 'the emulator stores the canned ACL');

    const run = await runMigrate([
      '--bucket',
      bucket,
      '--kms-key',
      keyArn,
      '--multipart-threshold',
      String(10 * MIB),
      '--part-size',
      String(5 * MIB),
      '--wait',
      '--json',
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.json.counts.migrated, 4);
    for (const key of keys) {
      const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      assert.equal(head.SSEKMSKeyId, keyArn, `${key} is under the key`);
      assert.deepEqual(await grantsOf(bucket, key), before[key], `${key} keeps its grants`);
    }
  });

  it('where ACLs are disabled (BucketOwnerEnforced), makes no ACL request at all', async () => {
    const bucket = await bucketWith('BucketOwnerEnforced');
    await put(bucket, 'plain.txt', 'p');
    const since = proxied.proxy.timeline.length;
    const run = await runMigrate(['--bucket', bucket, '--kms-key', keyArn, '--wait', '--json']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.json.counts.migrated, 1);
    const calls = proxied.proxy.timeline.slice(since).filter((r) => r.path.startsWith(`/${bucket}`));
    assert.ok(
      calls.some((r) => r.name === 'CopyObject'),
      'the object was copied through the proxy',
    );
    assert.deepEqual(
      calls.filter((r) => r.name === 'GET?acl'),
      [],
    );
  });
});
