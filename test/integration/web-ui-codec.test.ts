// The Web UI reading encrypted payloads through the codec server (npm run codec-server), in a real browser:
// with the codec endpoint set in the UI, a migration's input shows in clear; without it, it does not.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Browser } from 'playwright-core';
import { createBucket, createKey, kms, putMany } from '../helpers/aws';
import { runMigrate } from '../helpers/cli';
import { launchChromium } from '../helpers/browser';
import { stackEnv } from '../helpers/stack-env';
import { spawnWorkerProcess, type WorkerProcess } from '../../lab/lib/worker-process';
import { KmsPayloadCodec } from '../../common/payload-codec';
import { createCodecServer } from '../../client/codec-server';

const TOKEN = 'web-ui-test-token-0123456789';

describe('the Web UI through the codec server', { timeout: 240_000 }, () => {
  let browser: Browser;
  let worker: WorkerProcess;
  let server: http.Server;
  let endpoint: string;
  let payloadKey: string;
  before(async () => {
    payloadKey = await createKey();
    worker = await spawnWorkerProcess({ ...stackEnv(), MIGRATOR_PAYLOAD_KMS_KEY: payloadKey });
    const ui = new URL(stackEnv().TEMPORAL_UI_URL!).origin;
    server = createCodecServer({ codec: new KmsPayloadCodec(kms, { keyId: payloadKey }), token: TOKEN, origins: [ui] });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/${TOKEN}`;
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    server?.close();
    await worker?.kill('SIGTERM');
  });

  it("shows an encrypted migration's input decoded with the codec endpoint, and not without it", async () => {
    const bucket = await createBucket('codec-ui');
    await putMany(bucket, ['a', 'b'], (k) => k, 2, { ServerSideEncryption: 'AES256' });
    const run = await runMigrate(['--bucket', bucket, '--kms-key', await createKey(), '--wait', '--json'], {
      MIGRATOR_PAYLOAD_KMS_KEY: payloadKey,
    });
    assert.equal(run.code, 0, run.stderr);
    const id: string = run.json.workflowId;

    const pageText = async (codecEndpoint?: string): Promise<string> => {
      const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
      if (codecEndpoint)
        // The UI keeps its codec settings in the browser's local storage (its "Codec Server" settings).
        await context.addInitScript(
          `localStorage.setItem('endpoint', ${JSON.stringify(JSON.stringify(codecEndpoint))});` +
            `localStorage.setItem('overrideRemoteCodecConfiguration', 'true');`,
        );
      const page = await context.newPage();
      await page.goto(`${stackEnv().TEMPORAL_UI_URL}/namespaces/default/workflows/${encodeURIComponent(id)}`);
      await page.getByText('Workflow Type').first().waitFor({ timeout: 30_000 });
      let text = '';
      for (let tries = 0; tries < 40 && !text.includes(`"bucket": "${bucket}"`); tries++) {
        await sleep(500);
        text = await page.innerText('main');
      }
      await context.close();
      return text;
    };
    assert.match(await pageText(endpoint), new RegExp(`"bucket": "${bucket}"`), 'the input, decoded');
    assert.doesNotMatch(await pageText(), new RegExp(`"bucket": "${bucket}"`), 'without the codec: not readable');
  });
});
