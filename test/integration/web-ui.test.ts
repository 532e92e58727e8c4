// What an operator sees in the Temporal Web UI, in a real browser: the migration found by its bucket, and its
// page telling how far it got and why it is paused (current details).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Browser } from 'playwright-core';
import { createBucket, createKey, putMany } from '../helpers/aws';
import { startWorker, type RunningWorker } from '../helpers/worker';
import { runMigrate } from '../helpers/cli';
import { launchChromium } from '../helpers/browser';
import { stackEnv } from '../helpers/stack-env';

describe('the Web UI tells the story', () => {
  let worker: RunningWorker;
  let browser: Browser;
  before(async () => {
    worker = await startWorker();
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await worker?.stop();
  });

  it(
    'finds the paused migration by bucket, and its page says how far it got and why it is paused',
    { timeout: 180_000 },
    async () => {
      const keyArn = await createKey();
      const bucket = await createBucket('web-ui');
      await putMany(
        bucket,
        Array.from({ length: 200 }, (_, i) => `o${String(i).padStart(3, '0')}`),
        (k) => k,
        16,
        { ServerSideEncryption: 'AES256' },
      );
      // 2 KMS requests a second: slow enough to catch it mid-way.
      const started = await runMigrate([
        '--bucket',
        bucket,
        '--kms-key',
        keyArn,
        '--page-size',
        '20',
        '--pages-in-flight',
        '1',
        '--max-kms-rps',
        '2',
        '--json',
      ]);
      assert.equal(started.code, 0, started.stderr);
      const id: string = started.json.workflowId;
      try {
        for (let done = 0; done < 20;) {
          await sleep(500);
          done = (await runMigrate(['status', id, '--json'])).json.progress.counts.migrated;
        }
        assert.equal((await runMigrate(['pause', id, '--reason', 'change freeze until Monday'])).code, 0);

        const ui = stackEnv().TEMPORAL_UI_URL!;
        const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
        const query = encodeURIComponent(`MigrationBucket = "${bucket}"`);
        await page.goto(`${ui}/namespaces/default/workflows?query=${query}`);
        await page.getByText(id, { exact: true }).first().waitFor({ timeout: 30_000 });
        const list = await page.innerText('main');
        assert.match(list, /Running/);
        assert.doesNotMatch(list, /#page-\d/, 'the filter finds the migration, not its pages');

        await page.goto(`${ui}/namespaces/default/workflows/${encodeURIComponent(id)}`);
        // The tab with the summary and the current details; the details arrive by query after it opens.
        const tab = page.getByText('User Metadata', { exact: true }).first();
        await tab.waitFor({ timeout: 30_000 });
        await page.getByText('Workflow Type').first().waitFor();
        await tab.click();
        await page.getByText('Current Details').first().waitFor({ timeout: 30_000 });
        // The UI renders the markdown of the summary and the current details in sandboxed iframes.
        const rendered = async (): Promise<string> =>
          [
            await page.innerText('main'),
            ...(await Promise.all(page.frames().map((f) => f.innerText('body').catch(() => '')))),
          ].join('\n');
        let details = '';
        for (let tries = 0; tries < 60 && !details.includes('change freeze until Monday'); tries++) {
          if (tries > 0) await sleep(500);
          details = await rendered();
        }
        assert.match(details, /Paused: change freeze until Monday/);
        assert.match(details, /\d+ of \d+ listed objects settled: \d+ migrated \(\d+ in place\)/);
        assert.match(details, /Re-encrypt s3:\/\/web-ui-\S+ under KMS key arn:aws:kms:/, 'the summary');
        // Newer UIs (a cluster's) show the pages' summaries on the Timeline tab rather than beside the details.
        let pages = details;
        if (!/page 1: 20 objects/.test(pages)) {
          await page
            .getByText(/^\s*Timeline/)
            .first()
            .click();
          for (let tries = 0; tries < 20 && !/page 1: 20 objects/.test(pages); tries++) {
            await sleep(500);
            pages = await rendered();
          }
        }
        assert.match(pages, /page 1: 20 objects, o000 … o019/, 'pages by their summaries');
        await page.screenshot({
          path: process.env.WEB_UI_SCREENSHOT ?? path.join(os.tmpdir(), 'web-ui-migration.png'),
        });
        await page.close();
      } finally {
        // Cancelled, not terminated: the coordinator cancels its pages, so none is left running on the stack.
        await runMigrate(['cancel', id]);
      }
    },
  );
});
