import { z } from 'zod';
import { S3Client } from '@aws-sdk/client-s3';
import { KMSClient } from '@aws-sdk/client-kms';
import { awsEnv, parseEnv } from '../common/env-config';

/** S3 and KMS clients for the client's own requests (policy, buckets by tag), from the worker's AWS settings. */
export function awsClientsFromEnv(env: NodeJS.ProcessEnv): { s3: S3Client; kms: KMSClient; region: string } {
  const parsed = parseEnv(z.object(awsEnv), { ...env, AWS_REGION: env.AWS_REGION || env.AWS_DEFAULT_REGION });
  const config = { region: parsed.AWS_REGION, endpoint: parsed.AWS_ENDPOINT_URL };
  return { s3: new S3Client(config), kms: new KMSClient(config), region: parsed.AWS_REGION };
}
