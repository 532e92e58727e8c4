import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'csv-parse/sync';
import { parseReportCsv, reportCsv } from '../../activities/report-files';

test('report CSV quotes what needs it and reads back to the same fields', () => {
  const issues = [
    { key: 'line\nbreak', status: 'failed' as const, code: 'AccessDenied', message: 'denied, "really"' },
    { key: 'plain', versionId: 'v1', status: 'skipped' as const, code: 'sse-c', message: 'customer key' },
  ];
  const csv = reportCsv('b', issues);
  assert.match(csv, /^bucket,key,version_id,status,code,message\n/);
  assert.deepEqual(parse(csv, { columns: true }), [
    {
      bucket: 'b',
      key: 'line\nbreak',
      version_id: '',
      status: 'failed',
      code: 'AccessDenied',
      message: 'denied, "really"',
    },
    { bucket: 'b', key: 'plain', version_id: 'v1', status: 'skipped', code: 'sse-c', message: 'customer key' },
  ]);
});

test('no cell of a report runs as a spreadsheet formula, and every key reads back exactly', () => {
  const keys = [
    '=HYPERLINK("http://evil","x")',
    '+1',
    '-2+3',
    '@SUM(A1)',
    '\tcmd',
    "'quoted",
    "'=both",
    'plain-=',
    'a-b',
  ];
  const csv = reportCsv(
    'b',
    keys.map((key) => ({ key, versionId: '-v', status: 'skipped' as const, code: 'archived', message: '=msg' })),
  );
  const cells = (parse(csv, { columns: true }) as Record<string, string>[]).flatMap((row) => Object.values(row));
  assert.deepEqual(
    cells.filter((cell) => /^[=+\-@\t\r]/.test(cell)),
    [],
    'a spreadsheet shows every cell as text',
  );
  const read = parseReportCsv(csv);
  assert.deepEqual(
    read.map((row) => row.key),
    keys,
  );
  assert.ok(read.every((row) => row.version_id === '-v' && row.message === '=msg'));
});
