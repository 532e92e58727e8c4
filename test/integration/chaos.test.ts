import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { stackEnv } from '../helpers/stack-env';
import { chaosTable, runChaos } from '../../lab/chaos/run-chaos';

describe('chaos (shortened `npm run chaos`)', () => {
  it('loses nothing under SIGKILLs, a Temporal restart, 10% faults and a concurrent writer', async () => {
    const report = await runChaos(stackEnv(), {
      objects: 1000,
      kills: 5,
      temporal: 'dev',
      faultRate: 0.1,
      overwriteShare: 0.05,
      pageSize: 200,
      killEveryMs: [1500, 3000],
      writeOverMs: 60_000,
      seed: 7,
      log: (line) => console.log(`[chaos] ${line}`),
    });
    console.log(chaosTable(report));
    assert.deepEqual(report.lostOrWrong, [], 'no object lost or wrong');
    assert.equal(report.uploadsLeft, 0);
    assert.equal(report.workerKills, 5, 'every kill happened while the migration ran');
    assert.equal(report.temporalFaults.length, 1, 'the dev server restarted');
    assert.ok(report.faultsInjected > 0);
    assert.ok(report.overwritten >= 10, `overwritten: ${report.overwritten}`);
    assert.equal(report.correct + report.overwrittenAfterCopy, report.expected);
    assert.equal(report.summary.counts.failed, 0);
  });
});
