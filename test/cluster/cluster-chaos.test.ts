// The production path under faults (npm run test:cluster): a Temporal cluster on PostgreSQL whose history
// service is SIGKILLed, whose database restarts and whose matching service (the KMS queue's rate limiter) is
// SIGKILLed, while workers are SIGKILLed too. Nothing is lost, nothing fails, and the KMS budget holds,
// counted where requests reach S3.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { stackEnv } from '../helpers/stack-env';
import { chaosTable, runChaos } from '../../lab/chaos/run-chaos';

describe('a Temporal cluster under faults', () => {
  it('loses nothing and keeps the KMS budget while history, PostgreSQL, matching and workers are killed', async () => {
    assert.equal(process.env.TEMPORAL_SERVER, 'cluster', 'runs on a cluster: npm run test:cluster');
    const report = await runChaos(stackEnv(), {
      objects: 1500,
      kills: 4,
      temporal: 'cluster',
      maxKmsRps: 30,
      faultRate: 0, // every KMS request at S3 is then the migration's own: the budget is measured exactly
      overwriteShare: 0,
      pageSize: 250,
      killEveryMs: [4000, 8000],
      writeOverMs: 0,
      seed: 11,
      log: (line) => console.log(`[cluster chaos] ${line}`),
    });
    console.log(chaosTable(report));
    assert.deepEqual(report.lostOrWrong, [], 'no object lost or wrong');
    assert.equal(report.workerKills, 4, 'every worker kill happened while the migration ran');
    assert.equal(report.temporalFaults.length, 3, 'history, PostgreSQL and matching each went down mid-run');
    assert.equal(report.correct, report.expected, 'every object under the key, marked, its bytes and tags kept');
    assert.equal(report.summary.counts.failed, 0);
    assert.equal(report.uploadsLeft, 0);
    assert.ok(
      report.busiestKmsWindow <= report.kmsWindowLimit!,
      `busiest 5 s: ${report.busiestKmsWindow} KMS requests, at most ${report.kmsWindowLimit} allowed`,
    );
  });
});
