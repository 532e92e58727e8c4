// npm run codec-server: decodes payloads encrypted under MIGRATOR_PAYLOAD_KMS_KEY for the Web UI, on loopback.
// Settings: MIGRATOR_PAYLOAD_KMS_KEY (the key the workers use), CODEC_SERVER_TOKEN (required of every
// request), CODEC_SERVER_PORT (8888), CODEC_SERVER_ORIGINS (the Web UI's origins, comma-separated; default
// TEMPORAL_UI_URL's), CODEC_SERVER_HOST (127.0.0.1), and the AWS settings of the worker.
import { z } from 'zod';
import { parseEnv } from '../common/env-config';
import { KmsPayloadCodec, PAYLOAD_KEY_SETTING } from '../common/payload-codec';
import { awsClientsFromEnv } from './aws';
import { createCodecServer } from './codec-server';

const settings = z.object({
  [PAYLOAD_KEY_SETTING]: z.string({ error: 'must name the KMS key the workers encrypt with' }).min(1),
  CODEC_SERVER_TOKEN: z
    .string({ error: 'is required: every request must carry it (Authorization: Bearer …)' })
    .min(16, 'must be at least 16 characters'),
  CODEC_SERVER_PORT: z.coerce.number().int().min(0).max(65535).default(8888),
  CODEC_SERVER_HOST: z.string().default('127.0.0.1'),
  TEMPORAL_UI_URL: z.url().default('http://localhost:8233'),
  CODEC_SERVER_ORIGINS: z.string().optional(),
});

function main(): void {
  const env = parseEnv(settings, process.env);
  const origins = (env.CODEC_SERVER_ORIGINS ?? new URL(env.TEMPORAL_UI_URL).origin).split(',').map((o) => o.trim());
  const codec = new KmsPayloadCodec(awsClientsFromEnv(process.env).kms, { keyId: env[PAYLOAD_KEY_SETTING] });
  const server = createCodecServer({ codec, token: env.CODEC_SERVER_TOKEN, origins });
  server.listen(env.CODEC_SERVER_PORT, env.CODEC_SERVER_HOST, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : env.CODEC_SERVER_PORT;
    console.log(
      `codec server on http://${env.CODEC_SERVER_HOST}:${port} for ${origins.join(', ')}; in the Web UI's codec ` +
        `settings: endpoint http://${env.CODEC_SERVER_HOST}:${port}/<CODEC_SERVER_TOKEN>`,
    );
  });
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

try {
  main();
} catch (err) {
  console.error(`codec-server: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
