import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'csv-parse/sync';
import { reportCsv } from '../../activities/report-files';

test('report CSV quotes what needs it and reads back to the same fields', () => {
  const issues = [
    { key: 'line\nbreak', status: 'failed' as const, code: 'AccessDenied', message: 'denied, "really"' },
    { key: 'plain', versionId: 'v1', status: 'skipped' as const, code: 'sse-c', message: 'customer key' },
  ];
  const csv = reportCsv('b', issues);
  assert.match(csv, /^bucket,key,version_id,status,code,message\n/);
  assert.deepEqual(parse(csv, { columns: true }), [
    { bucket: 'b', key: 'line\nbreak', version_id: '', status: 'failed', code: 'AccessDenied', message: 'denied, "really"' },
    { bucket: 'b', key: 'plain', version_id: 'v1', status: 'skipped', code: 'sse-c', message: 'customer key' },
  ]);
});
