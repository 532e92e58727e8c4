// The prefix a migration's workflow ID names, read back from the ID (to tell whether two migrations overlap).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { migrationWorkflowId, prefixOfMigrationId } from '../../common/workflow-ids';

describe('prefixOfMigrationId', () => {
  it('gives back the prefix an ID spells out, and nothing for one that ends with a hash of a long prefix', () => {
    for (const prefix of ['', 'logs/', 'a b/ünï/', "it's/"])
      assert.equal(prefixOfMigrationId(migrationWorkflowId('bkt', prefix), 'bkt'), prefix);
    const long = `deep/${'x'.repeat(1000)}/`;
    const id = migrationWorkflowId('bkt', long);
    assert.ok(Buffer.byteLength(id) <= 800, 'a long prefix still makes an ID Temporal accepts');
    assert.equal(prefixOfMigrationId(id, 'bkt'), undefined);
  });
});
