import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { issueBytes, keepWithin, MIGRATION_ISSUE_BYTES, PAGE_ISSUES, utf8Length } from '../../workflows/issue-budget';
import type { ObjectIssue } from '../../common/types';

const issue = (key: string): ObjectIssue => ({
  key,
  status: 'failed',
  code: 'AccessDenied',
  message: `copy ${key}: AccessDenied (HTTP 403): Access Denied`,
});

describe('issues kept in detail, bounded in bytes', () => {
  it('measures keys in UTF-8, as the payload carries them', () => {
    assert.equal(utf8Length('abc'), 3);
    assert.equal(utf8Length('é'), 2);
    assert.equal(utf8Length('日本'), 6);
    assert.equal(utf8Length('😀'), 4);
    assert.equal(issueBytes(issue('k')), Buffer.byteLength(JSON.stringify(issue('k'))));
  });

  it('keeps 1,000 failures with 1 KB keys within the migration budget, counting the rest', () => {
    const many = Array.from({ length: 1000 }, (_, i) => issue(`${'日'.repeat(340)}-${i}`)); // ~1 KB keys, twice each in JSON
    const kept: ObjectIssue[] = [];
    const dropped = keepWithin(kept, many, 1000, MIGRATION_ISSUE_BYTES);
    const bytes = Buffer.byteLength(JSON.stringify(kept));
    assert.ok(bytes <= MIGRATION_ISSUE_BYTES + kept.length, `${bytes} bytes kept`);
    assert.ok(kept.length > 50, 'still a useful list');
    assert.equal(kept.length + dropped, 1000);
    assert.deepEqual(kept, many.slice(0, kept.length), 'in order');
  });

  it('keeps at most the count, and everything when it is small', () => {
    const kept: ObjectIssue[] = [];
    assert.equal(
      keepWithin(
        kept,
        Array.from({ length: 250 }, (_, i) => issue(`k${i}`)),
        PAGE_ISSUES.count,
        PAGE_ISSUES.bytes,
      ),
      50,
    );
    assert.equal(kept.length, 200);
    const few: ObjectIssue[] = [];
    assert.equal(keepWithin(few, [issue('a'), issue('b')], PAGE_ISSUES.count, PAGE_ISSUES.bytes), 0);
    assert.equal(few.length, 2);
  });
});
