import {
  GetObjectTaggingCommand,
  HeadObjectCommand,
  PutObjectTaggingCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { createAwsClients } from '../../activities/aws-clients';
import { updateRequest } from '../../activities/update-objects';
import { forEachConcurrently } from '../../common/concurrently';
import { DEFAULTS } from '../../common/types';

const CONCURRENCY = 32;

export interface ClientCpu {
  client: string;
  /** CPU ms of this process per request, by request kind. */
  perRequestMs: Record<string, number>;
}

type Request = (s3: S3Client, key: string) => Promise<unknown>;

function requests(bucket: string, keyArn: string): Record<string, Request> {
  const batch = {
    bucket,
    keyArn,
    bucketKeyEnabled: false,
    tagKey: DEFAULTS.tagKey,
    tagValue: DEFAULTS.tagValue,
    items: [],
  };
  return {
    HeadObject: (s3, key) => s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })),
    UpdateObjectEncryption: (s3, key) => s3.send(updateRequest(batch, { key, update: true, kmsCost: 1 })),
    GetObjectTagging: (s3, key) => s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key })),
    PutObjectTagging: (s3, key) =>
      s3.send(
        new PutObjectTaggingCommand({
          Bucket: bucket,
          Key: key,
          Tagging: { TagSet: [{ Key: DEFAULTS.tagKey, Value: DEFAULTS.tagValue }] },
        }),
      ),
  };
}

async function measure(name: string, s3: S3Client, bucket: string, keys: string[], keyArn: string): Promise<ClientCpu> {
  const perRequestMs: Record<string, number> = {};
  for (const [kind, request] of Object.entries(requests(bucket, keyArn))) {
    await forEachConcurrently(keys.slice(0, CONCURRENCY), CONCURRENCY, async (key) => void (await request(s3, key))); // warm
    const before = process.cpuUsage();
    await forEachConcurrently(keys, CONCURRENCY, async (key) => void (await request(s3, key)));
    const used = process.cpuUsage(before);
    perRequestMs[kind] = (used.user + used.system) / 1000 / keys.length;
  }
  return { client: name, perRequestMs };
}

/**
 * CPU of the S3 client itself per request (this process only; the endpoint runs elsewhere), for the SDK's
 * default client and the worker's (activities/aws-clients.ts), on the same objects, one after the other.
 */
export async function s3ClientCpu(
  env: NodeJS.ProcessEnv,
  bucket: string,
  keys: string[],
  keyArn: string,
): Promise<ClientCpu[]> {
  const base: S3ClientConfig = {
    region: env.AWS_REGION,
    endpoint: env.AWS_ENDPOINT_URL,
    forcePathStyle: Boolean(env.AWS_ENDPOINT_URL),
  };
  const sdkDefault = new S3Client(base);
  const worker = createAwsClients({ region: env.AWS_REGION!, endpoint: env.AWS_ENDPOINT_URL, maxSockets: 300 });
  try {
    return [
      await measure('SDK defaults', sdkDefault, bucket, keys, keyArn),
      await measure("the worker's client", worker.s3, bucket, keys, keyArn),
    ];
  } finally {
    sdkDefault.destroy();
    worker.s3.destroy();
    worker.kms.destroy();
  }
}
