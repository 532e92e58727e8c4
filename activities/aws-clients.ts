import { S3Client } from '@aws-sdk/client-s3';
import { KMSClient } from '@aws-sdk/client-kms';
import { STSClient } from '@aws-sdk/client-sts';
import { applyBucketAccess, withAccessInForce } from './bucket-access';
import { keepAliveTransport, LeanS3, type LeanCommand } from './lean-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { AdaptiveLimit } from './adaptive-limit';
import { isThrottling } from './s3-errors';

export interface AwsClientOptions {
  region: string;
  /** Only for emulators; real AWS uses the SDK's own endpoint resolution. */
  endpoint?: string;
  maxSockets: number;
  /** The hot path's requests without the SDK's middleware (the worker); false: all through the SDK (the bench's raw loop). */
  lean?: boolean;
  /** Called when throttling lowers, or recovery raises, the worker's S3 concurrency. */
  onConcurrencyChange?: (limit: number, cause: 'throttled' | 'recovering') => void;
}

/**
 * The S3 calls for which S3 calls KMS on our behalf. Each is paid for by a task of the KMS queue; a retry by
 * the SDK inside that task would spend KMS requests nobody paid for, so they are tried once, and Temporal
 * retries them through the KMS queue, each attempt paid for by its own task.
 */
export const KMS_COSTING_COMMANDS = new Set([
  'UpdateObjectEncryptionCommand',
  'CopyObjectCommand',
  'CreateMultipartUploadCommand',
  'UploadPartCopyCommand',
  'CompleteMultipartUploadCommand',
]);

/** Attempts the SDK makes of a call that costs no KMS request (two quick retries). */
const SDK_ATTEMPTS = 3;

/** Carries a KMS-costing call's error past the SDK's retry middleware, which retries only errors it knows. */
class NotRetriedBySdk extends Error {
  constructor(readonly error: unknown) {
    super('not retried by the SDK: it would spend KMS requests no task paid for');
    this.name = 'NotRetriedBySdk';
  }
}

/**
 * S3 and KMS clients for the worker. The SDK retries each call twice itself (fast, for resets), except the
 * KMS-costing ones (KMS_COSTING_COMMANDS); Temporal's retry policy does the long, backed-off retries on top.
 */
export function createAwsClients(options: AwsClientOptions): { s3: S3Client; kms: KMSClient; sts: STSClient } {
  const agentOptions = { keepAlive: true, maxSockets: options.maxSockets };
  const requestHandler = new NodeHttpHandler({
    httpAgent: new HttpAgent(agentOptions),
    httpsAgent: new HttpsAgent(agentOptions),
    connectionTimeout: 5_000,
    requestTimeout: 120_000,
  });
  // cacheMiddleware: each command class's middleware stack is resolved once, not at every request (a tenth of
  // a request's CPU). A command with middleware of its own must be sent with options (sendKeepingExpires).
  const common = {
    region: options.region,
    endpoint: options.endpoint,
    maxAttempts: SDK_ATTEMPTS,
    requestHandler,
    cacheMiddleware: true,
  };
  const s3 = new S3Client({
    ...common,
    forcePathStyle: Boolean(options.endpoint),
    // Checksums only where S3 requires them (PutObjectTagging, UpdateObjectEncryption): none of our requests
    // uploads data, and none reads an object's body.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  // Outermost and innermost around the SDK's retry middleware: the inner wraps a KMS-costing call's error so
  // that the retry middleware passes it on untried, the outer hands the caller the original error.
  s3.middlewareStack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (err) {
        throw err instanceof NotRetriedBySdk ? err.error : err;
      }
    },
    { step: 'initialize', priority: 'high', name: 'kmsCostingErrorUnwrap' },
  );
  s3.middlewareStack.add(
    (next, context) => async (args) => {
      if (!KMS_COSTING_COMMANDS.has(context.commandName ?? '')) return next(args);
      try {
        return await next(args);
      } catch (err) {
        throw new NotRetriedBySdk(err);
      }
    },
    { step: 'deserialize', priority: 'high', name: 'kmsCostingErrorWrap' },
  );
  const limit = new AdaptiveLimit(options.maxSockets, options.onConcurrencyChange);
  // In the deserialize step, so every attempt (the SDK's own retries too) passes through the limit.
  s3.middlewareStack.add((next) => (args) => limit.around(() => next(args), isThrottling), {
    step: 'deserialize',
    priority: 'high',
    name: 'adaptiveConcurrency',
  });
  applyBucketAccess(s3);
  if (options.lean !== false) sendHotPathLean(s3, limit, options.maxSockets);
  return { s3, kms: new KMSClient(common), sts: new STSClient(common) };
}

/**
 * The hot path's four requests go the lean way (activities/lean-s3.ts), about half the CPU of the SDK's
 * stack; every other call, and any call with options of its own, stays on the SDK. Same limit, same access
 * fields, same retries (none for the KMS-costing update).
 */
function sendHotPathLean(s3: S3Client, limit: AdaptiveLimit, maxSockets: number): void {
  const lean = new LeanS3(s3, keepAliveTransport(maxSockets), (attempt) => limit.around(attempt, isThrottling));
  const sdkSend = s3.send.bind(s3) as (...args: unknown[]) => Promise<unknown>;
  s3.send = (async (command: LeanCommand & { constructor: { name: string } }, ...rest: unknown[]) => {
    if (rest.length > 0 || !(await lean.accepts(command))) return sdkSend(command, ...rest);
    const attempts = KMS_COSTING_COMMANDS.has(command.constructor.name) ? 1 : SDK_ATTEMPTS;
    return lean.send({ input: withAccessInForce(command.input), constructor: command.constructor }, attempts);
  }) as typeof s3.send;
}
