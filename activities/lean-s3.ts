import http from 'node:http';
import https from 'node:https';
import { crc32 } from 'node:zlib';
import {
  GetObjectTagging$,
  GetObjectTaggingCommand,
  HeadObject$,
  HeadObjectCommand,
  PutObjectTagging$,
  PutObjectTaggingCommand,
  UpdateObjectEncryption$,
  UpdateObjectEncryptionCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getEndpointFromInstructions } from '@smithy/core/endpoints';
import { buildQueryString } from '@smithy/core/protocols';
import { getRetryAfterHint, isServerError, isThrottlingError, isTransientError } from '@smithy/core/retry';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, EndpointV2, HttpRequest, RetryErrorType } from '@smithy/types';

// The hot path's four requests (HEAD, UpdateObjectEncryption, tag read and write), sent without the SDK's
// middleware stack: the SDK's own protocol serializes the input and parses the answer (so outputs and errors
// are exactly the SDK's), the SDK's endpoint rules name the endpoint (once per bucket), AWS's Signature V4
// signs, and a keep-alive agent sends.

type Schema = readonly [number, string, string, unknown, unknown, unknown];

/** A command as the lean path takes it: its input and its class (which names the operation). */
export interface LeanCommand {
  input: object;
  constructor: unknown;
}

/** Each command the lean path sends, with its operation schema and whether S3 requires a body checksum. */
const LEAN = new Map<unknown, { schema: Schema; checksum: boolean }>([
  [HeadObjectCommand, { schema: HeadObject$ as unknown as Schema, checksum: false }],
  [GetObjectTaggingCommand, { schema: GetObjectTagging$ as unknown as Schema, checksum: false }],
  [PutObjectTaggingCommand, { schema: PutObjectTagging$ as unknown as Schema, checksum: true }],
  [UpdateObjectEncryptionCommand, { schema: UpdateObjectEncryption$ as unknown as Schema, checksum: true }],
]);

export interface LeanResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: Uint8Array;
}

/** Sends a signed request and reads its answer whole (none of these answers is large). */
export type Transport = (request: HttpRequest) => Promise<LeanResponse>;

const CONNECT_TIMEOUT_MS = 5_000;
const REQUEST_TIMEOUT_MS = 120_000;

function timeoutError(message: string): Error {
  return Object.assign(new Error(message), { name: 'TimeoutError', code: 'ETIMEDOUT' });
}

export function keepAliveTransport(maxSockets: number): Transport {
  const agents = {
    'http:': new http.Agent({ keepAlive: true, maxSockets }),
    'https:': new https.Agent({ keepAlive: true, maxSockets }),
  };
  return (request) =>
    new Promise((resolve, reject) => {
      const search = buildQueryString(request.query ?? {});
      const send = request.protocol === 'https:' ? https.request : http.request;
      const req = send(
        {
          agent: agents[request.protocol === 'https:' ? 'https:' : 'http:'],
          host: request.hostname,
          port: request.port,
          method: request.method,
          path: search ? `${request.path}?${search}` : request.path,
          headers: request.headers,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({
              statusCode: res.statusCode ?? 0,
              headers: res.headers as Record<string, string>,
              body: Buffer.concat(chunks),
            }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      // As the worker's SDK handler: 5 s to connect, 120 s of silence at most (errors the SDK's retry knows).
      req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(timeoutError('no answer within 120 s')));
      req.on('socket', (socket) => {
        if (!socket.connecting) return;
        const timer = setTimeout(() => req.destroy(timeoutError('no connection within 5 s')), CONNECT_TIMEOUT_MS);
        socket.once('connect', () => clearTimeout(timer));
        socket.once('close', () => clearTimeout(timer));
      });
      req.end(request.body);
    });
}

/** What the SDK's retry strategy needs to know of an error. */
function errorType(err: unknown): RetryErrorType {
  const error = err as Parameters<typeof isThrottlingError>[0];
  if (isThrottlingError(error)) return 'THROTTLING';
  if (isTransientError(error)) return 'TRANSIENT';
  if (isServerError(error)) return 'SERVER_ERROR';
  return 'CLIENT_ERROR';
}

export class LeanS3 {
  private readonly endpoints = new Map<string, Promise<EndpointV2>>();
  private readonly signers = new Map<string, SignatureV4>();
  private readonly contexts = new Map<string, object>();

  /**
   * `eachAttempt` wraps every attempt (the worker's adaptive concurrency limit, as its middleware wraps each of
   * the SDK's).
   */
  constructor(
    private readonly s3: S3Client,
    private readonly transport: Transport,
    private readonly eachAttempt: <T>(attempt: () => Promise<T>) => Promise<T> = (attempt) => attempt(),
  ) {}

  private endpointOf(bucket: string, command: LeanCommand): Promise<EndpointV2> {
    let endpoint = this.endpoints.get(bucket);
    if (!endpoint) {
      const instructions = (command.constructor as { getEndpointParameterInstructions?: () => unknown })
        .getEndpointParameterInstructions;
      endpoint = getEndpointFromInstructions(
        command.input as Record<string, unknown>,
        { getEndpointParameterInstructions: instructions } as never,
        this.s3.config as never,
      );
      this.endpoints.set(bucket, endpoint);
      endpoint.catch(() => this.endpoints.delete(bucket));
    }
    return endpoint;
  }

  /**
   * Whether this command goes the lean way: one of the four, to a bucket whose endpoint is signed with plain
   * Signature V4 for S3 (not a directory bucket's session auth, not SigV4a); the SDK sends everything else.
   */
  async accepts(command: LeanCommand): Promise<boolean> {
    if (!LEAN.has(command.constructor)) return false;
    const endpoint = await this.endpointOf((command.input as { Bucket: string }).Bucket, command);
    const scheme = signingScheme(endpoint);
    return scheme.name === 'sigv4' && scheme.signingName === 's3';
  }

  /** The client's config with the bucket's endpoint, as the protocol serializes and parses with it: one per bucket. */
  private serdeContext(bucket: string, endpoint: EndpointV2): object {
    let context = this.contexts.get(bucket);
    if (!context) {
      const v1 = endpointV1(endpoint);
      context = { ...this.s3.config, endpoint: async () => v1 };
      this.contexts.set(bucket, context);
    }
    return context;
  }

  private signerFor(region: string): SignatureV4 {
    let signer = this.signers.get(region);
    if (!signer) {
      signer = new SignatureV4({
        service: 's3',
        region,
        credentials: this.s3.config.credentials as () => Promise<AwsCredentialIdentity>,
        sha256: Sha256,
        uriEscapePath: false,
      });
      this.signers.set(region, signer);
    }
    return signer;
  }

  /** One request of the four, serialized, signed, sent and parsed; retried as the SDK would (once per call). */
  async send<O>(command: LeanCommand, attempts: number): Promise<O> {
    const { schema, checksum } = LEAN.get(command.constructor)!;
    const [, namespace, name, traits, input, output] = schema;
    const operation = { namespace, name, traits, input, output };
    const config = this.s3.config as unknown as {
      protocol: {
        serializeRequest(op: unknown, input: unknown, ctx: unknown): Promise<HttpRequest>;
        deserializeResponse(op: unknown, ctx: unknown, response: unknown): Promise<O>;
      };
      retryStrategy: () => Promise<{
        acquireInitialRetryToken(scope: string): Promise<unknown>;
        refreshRetryTokenForRetry(token: unknown, info: unknown): Promise<{ getRetryDelay(): number }>;
        recordSuccess(token: unknown): void;
      }>;
    };
    const bucket = (command.input as { Bucket: string }).Bucket;
    const endpoint = await this.endpointOf(bucket, command);
    const context = this.serdeContext(bucket, endpoint);
    const request = await config.protocol.serializeRequest(operation, command.input, context);
    request.headers.host = request.port ? `${request.hostname}:${request.port}` : request.hostname;
    const body = request.body as string | undefined;
    if (body !== undefined) {
      request.headers['content-length'] = String(Buffer.byteLength(body));
      if (checksum) {
        const crc = Buffer.alloc(4);
        crc.writeUInt32BE(crc32(body));
        request.headers['x-amz-sdk-checksum-algorithm'] = 'CRC32';
        request.headers['x-amz-checksum-crc32'] = crc.toString('base64');
      }
    }
    const signer = this.signerFor(
      signingScheme(endpoint).signingRegion ?? (await (this.s3.config.region as () => Promise<string>)()),
    );
    const clock = this.s3.config as unknown as { systemClockOffset?: number };
    const strategy = await config.retryStrategy();
    let token = await strategy.acquireInitialRetryToken(name);
    for (let attempt = 1; ; attempt++) {
      try {
        const parsed = await this.eachAttempt(async () => {
          // Signed at the SDK's skew-corrected time, which every answer's Date header updates, as its signer does.
          const offset = clock.systemClockOffset ?? 0;
          const signed = await signer.sign({ ...request, headers: { ...request.headers } } as HttpRequest, {
            signingDate: new Date(Date.now() + offset),
          });
          const sentAt = Date.now();
          const response = await this.transport(signed);
          clock.systemClockOffset = updatedClockOffset(response, offset, sentAt);
          return config.protocol.deserializeResponse(operation, context, response).catch((err) => {
            throw withResponse(
              err,
              response,
              Math.abs(clock.systemClockOffset! - offset) > 0 && Math.abs(clock.systemClockOffset!) >= 240_000,
            );
          });
        });
        strategy.recordSuccess(token);
        return parsed;
      } catch (err) {
        if (attempt >= attempts) throw err;
        try {
          token = await strategy.refreshRetryTokenForRetry(token, {
            errorType: errorType(err),
            error: err,
            retryAfterHint: getRetryAfterHint((err as { $response?: unknown }).$response),
          });
        } catch {
          throw err;
        }
        await new Promise((resolve) => setTimeout(resolve, (token as { getRetryDelay(): number }).getRetryDelay()));
      }
    }
  }
}

/**
 * An error the protocol could not parse (an HTML page from a proxy, say) given its status and the response, as
 * the SDK's deserializer middleware gives it: so a 5xx is retried as a server error whatever its body.
 */
function withResponse(err: unknown, response: LeanResponse, clockSkewCorrected: boolean): unknown {
  if (typeof err !== 'object' || err === null) return err;
  Object.defineProperty(err, '$response', { value: response, enumerable: false });
  if (!('$metadata' in err)) {
    Object.assign(err, {
      $metadata: {
        httpStatusCode: response.statusCode,
        requestId: response.headers['x-amz-request-id'],
        extendedRequestId: response.headers['x-amz-id-2'],
      },
    });
  }
  // A request refused for a clock 4 minutes or more off, now corrected: retried (a transient error to the SDK).
  if (clockSkewCorrected) (err as { $metadata: Record<string, unknown> }).$metadata.clockSkewCorrected = true;
  return err;
}

/**
 * The clock offset the server's Date header implies, as the SDK computes it: unchanged without one, behind a
 * cache (an Age header), or when the answer took over 15 minutes.
 */
export function updatedClockOffset(response: LeanResponse, offset: number, sentAt: number): number {
  const date = response.headers.date;
  if (response.headers.age !== undefined || date === undefined) return offset;
  const serverTime = Date.parse(date);
  const receivedAt = Date.now();
  if (Number.isNaN(serverTime) || receivedAt - sentAt > 900_000) return offset;
  return serverTime - receivedAt;
}

/** The endpoint's first auth scheme (the SDK's endpoint rules name it); plain SigV4 where they name none. */
function signingScheme(endpoint: EndpointV2): { name: string; signingName?: string; signingRegion?: string } {
  const schemes = endpoint.properties?.authSchemes as
    { name: string; signingName?: string; signingRegion?: string }[] | undefined;
  return schemes?.[0] ?? { name: 'sigv4', signingName: 's3' };
}

/** The endpoint as the protocol's serializer takes it: the URL's parts, its path the bucket's (path style). */
function endpointV1(endpoint: EndpointV2) {
  const url = endpoint.url;
  return {
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port ? Number(url.port) : undefined,
    path: url.pathname,
    query: {},
  };
}
