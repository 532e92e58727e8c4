import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatIssues } from '../../client/summary';
import { emptyCounts, type MigrationProgress } from '../../common/types';

describe('the list of objects not migrated', () => {
  it('says how many more there were than it lists, from the counts (pages keep only so much detail)', () => {
    const counts = { ...emptyCounts(), failed: 500 };
    counts.skipped.archived = 20;
    const issues = Array.from({ length: 200 }, (_, i) => ({
      key: `k${i}`,
      status: 'failed' as const,
      code: 'AccessDenied',
      message: 'denied',
    }));
    const text = formatIssues({ counts, issues, issuesDropped: 0 } as unknown as MigrationProgress);
    assert.equal(text.split('\n').length, 1 + 200 + 1);
    assert.match(text, /… and 320 more not listed$/);
  });
});
