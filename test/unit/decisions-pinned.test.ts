// decide() runs inside workflow code: a change to what it decides changes what a replayed run does, so it
// must come with a patch (workflows/patches.ts). Every decision is pinned here, so none changes unnoticed.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { decide } from '../../common/decide';
import { decisionGrid } from '../helpers/decision-grid';

describe('decide(), pinned', () => {
  it('decides every case of the grid as test/fixtures/decisions.json says', () => {
    const pinned = JSON.parse(readFileSync(path.join(__dirname, '../fixtures/decisions.json'), 'utf8'));
    const grid = decisionGrid();
    assert.equal(grid.length, Object.keys(pinned).length, 'the grid and the pinned decisions cover the same cases');
    const changed = grid.filter(
      (c) => JSON.stringify(decide(c.snapshot, c.options)) !== JSON.stringify(pinned[c.name]),
    );
    assert.deepEqual(
      changed.map((c) => c.name),
      [],
      'decide() changed: put the change behind a patch (workflows/patches.ts), then `npm run pin-decisions`',
    );
  });

  it('covers every action and skip reason decide() can give', () => {
    const decisions = decisionGrid().map((c) => decide(c.snapshot, c.options));
    const kinds = new Set(
      decisions.map((d) =>
        d.action === 'skip' ? `skip:${d.reason}` : d.action === 'copy' ? `copy:${d.multipart}` : d.action,
      ),
    );
    for (const kind of [
      'update',
      'ensure-tag',
      'copy:false',
      'copy:true',
      'skip:vanished',
      'skip:sse-c',
      'skip:dsse-kms',
      'skip:object-lock',
      'skip:noncurrent-not-updatable',
      'skip:archived',
      'skip:annotated-over-5gib',
    ]) {
      assert.ok(kinds.has(kind), `the grid reaches ${kind}`);
    }
  });
});
