// The patch rule (docs/upgrading.md): every patch is declared in workflows/patches.ts and used through it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { PATCHES } from '../../workflows/patches';

const WORKFLOWS = path.join(__dirname, '../../workflows');
const sources = (readdirSync(WORKFLOWS, { recursive: true }) as string[])
  .filter((f) => f.endsWith('.ts') && f !== 'patches.ts')
  .map((f) => ({ file: f, text: readFileSync(path.join(WORKFLOWS, f), 'utf8') }));

describe('patches of workflow code', () => {
  it('are asked for only through workflows/patches.ts', () => {
    const direct = sources.filter(({ text }) => /\b(patched|deprecatePatch)\s*\(/.test(text)).map(({ file }) => file);
    assert.deepEqual(direct, [], 'call inForce()/deprecated() from workflows/patches.ts instead');
  });

  it('each declared patch is used, and by one name only', () => {
    const ids = Object.values(PATCHES) as string[];
    assert.equal(new Set(ids).size, ids.length, 'patch IDs are unique');
    for (const name of Object.keys(PATCHES)) {
      assert.ok(
        sources.some(({ text }) => text.includes(`'${name}'`)),
        `${name} is used in workflow code, or it is removed`,
      );
    }
  });
});
