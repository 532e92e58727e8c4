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
import { FloorClient, type FloorResponse } from './floor-client';

/** The floor contender's client, as the table names it. */
export const FLOOR_CLIENT = 'floor: signed node:http';

/** A floor client for the stack's endpoint and the static credentials its environment holds. */
export function floorClientFromEnv(env: NodeJS.ProcessEnv, maxSockets: number): FloorClient {
  if (!env.AWS_ENDPOINT_URL || !env.AWS_ACCESS_KEY_ID || !env.AWS_SECRET_ACCESS_KEY)
    throw new Error('the floor client needs AWS_ENDPOINT_URL and static credentials (the stack sets them)');
  return new FloorClient({
    endpoint: env.AWS_ENDPOINT_URL,
    region: env.AWS_REGION ?? 'us-east-1',
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY },
    maxSockets,
  });
}

const CONCURRENCY = 32;

export interface ClientCpu {
  client: string;
  /** CPU ms of this process per request, by request kind. */
  perRequestMs: Record<string, number>;
}

type Request<C = S3Client> = (client: C, key: string) => Promise<unknown>;

/** An update batch of the default marker with no items: what updateRequest builds one object's request from. */
export function emptyBatch(bucket: string, keyArn: string) {
  return { bucket, keyArn, bucketKeyEnabled: false, tagKey: DEFAULTS.tagKey, tagValue: DEFAULTS.tagValue, items: [] };
}

function requests(bucket: string, keyArn: string): Record<string, Request> {
  const batch = emptyBatch(bucket, keyArn);
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

/** The same requests by the floor client; any answer but a 2xx is an error (it would cost less than a real one). */
function floorRequests(bucket: string, keyArn: string): Record<string, Request<FloorClient>> {
  const ok = async (response: Promise<FloorResponse>) => {
    const { status } = await response;
    if (status < 200 || status > 299) throw new Error(`floor client: answered ${status}`);
  };
  return {
    HeadObject: (floor, key) => ok(floor.head(bucket, key)),
    UpdateObjectEncryption: (floor, key) => ok(floor.updateObjectEncryption(bucket, key, keyArn)),
    GetObjectTagging: (floor, key) => ok(floor.getTagging(bucket, key)),
    PutObjectTagging: (floor, key) => ok(floor.putTagging(bucket, key, [[DEFAULTS.tagKey, DEFAULTS.tagValue]])),
  };
}

async function measure<C>(
  name: string,
  client: C,
  kinds: Record<string, Request<C>>,
  keys: string[],
): Promise<ClientCpu> {
  const perRequestMs: Record<string, number> = {};
  for (const [kind, request] of Object.entries(kinds)) {
    await forEachConcurrently(
      keys.slice(0, CONCURRENCY),
      CONCURRENCY,
      async (key) => void (await request(client, key)),
    ); // warm
    const before = process.cpuUsage();
    await forEachConcurrently(keys, CONCURRENCY, async (key) => void (await request(client, key)));
    const used = process.cpuUsage(before);
    perRequestMs[kind] = (used.user + used.system) / 1000 / keys.length;
  }
  return { client: name, perRequestMs };
}

/**
 * CPU of the S3 client itself per request (this process only; the endpoint runs elsewhere), for the SDK's
 * default client, the worker's settings on the SDK alone, the worker's client (activities/aws-clients.ts, its
 * hot path lean) and the floor client, on the same objects, one after the other.
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
  const sdkOnly = createAwsClients({
    region: env.AWS_REGION!,
    endpoint: env.AWS_ENDPOINT_URL,
    maxSockets: 300,
    lean: false,
  });
  const floor = floorClientFromEnv(env, CONCURRENCY);
  try {
    return [
      await measure('SDK defaults', sdkDefault, requests(bucket, keyArn), keys),
      await measure("the worker's settings, SDK only", sdkOnly.s3, requests(bucket, keyArn), keys),
      await measure("the worker's client (lean hot path)", worker.s3, requests(bucket, keyArn), keys),
      await measure(FLOOR_CLIENT, floor, floorRequests(bucket, keyArn), keys),
    ];
  } finally {
    sdkDefault.destroy();
    for (const clients of [worker, sdkOnly]) {
      clients.s3.destroy();
      clients.kms.destroy();
    }
    floor.destroy();
  }
}
