// The floor contender's S3 client: each request signed with AWS's own Signature V4 (@smithy/signature-v4) and
// sent over a keep-alive node:http agent, with the same headers and bodies the SDK sends for the hot path's
// requests, and nothing else (no middleware, no endpoint rules, no retries, no parsing beyond the status).
// What a request costs at least in this process: the bench sets every S3 client against it.
import http from 'node:http';
import { createHash, createHmac } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, Checksum, SourceData } from '@smithy/types';

/** SHA-256, or HMAC-SHA256 under a secret, as the signer asks for them. */
class NodeSha256 implements Checksum {
  private hash: ReturnType<typeof createHash> | ReturnType<typeof createHmac>;
  constructor(private readonly secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', secret as Buffer);
  }
  update(data: Uint8Array | string): void {
    this.hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return this.hash.digest();
  }
  reset(): void {
    this.hash = this.secret === undefined ? createHash('sha256') : createHmac('sha256', this.secret as Buffer);
  }
}

export interface FloorResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';

export class FloorClient {
  private readonly agent: http.Agent;
  private readonly signer: SignatureV4;
  private readonly url: URL;

  constructor(options: { endpoint: string; region: string; credentials: AwsCredentialIdentity; maxSockets: number }) {
    this.url = new URL(options.endpoint);
    this.agent = new http.Agent({ keepAlive: true, maxSockets: options.maxSockets });
    this.signer = new SignatureV4({
      service: 's3',
      region: options.region,
      credentials: options.credentials,
      sha256: NodeSha256,
      uriEscapePath: false,
    });
  }

  /** One signed request, path-style; its body read whole. */
  async send(method: string, bucket: string, key: string, query: Record<string, string>, body?: string) {
    const path = `/${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
    const headers: Record<string, string> = { host: this.url.host };
    if (body !== undefined) {
      headers['content-type'] = 'application/xml';
      headers['content-length'] = String(Buffer.byteLength(body));
      const crc = Buffer.alloc(4);
      crc.writeUInt32BE(crc32(body));
      headers['x-amz-sdk-checksum-algorithm'] = 'CRC32';
      headers['x-amz-checksum-crc32'] = crc.toString('base64');
    }
    headers['x-amz-content-sha256'] = createHash('sha256')
      .update(body ?? '')
      .digest('hex');
    const signed = await this.signer.sign({
      method,
      protocol: this.url.protocol,
      hostname: this.url.hostname,
      port: Number(this.url.port),
      path,
      query,
      headers,
      body,
    });
    const search = Object.entries(query)
      .map(([k, v]) => (v === '' ? encodeURIComponent(k) : `${encodeURIComponent(k)}=${encodeURIComponent(v)}`))
      .join('&');
    return new Promise<FloorResponse>((resolve, reject) => {
      const req = http.request(
        {
          agent: this.agent,
          host: this.url.hostname,
          port: this.url.port,
          method,
          path: search ? `${path}?${search}` : path,
          headers: signed.headers,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  head(bucket: string, key: string) {
    return this.send('HEAD', bucket, key, {});
  }

  updateObjectEncryption(bucket: string, key: string, keyArn: string) {
    const body =
      `<?xml version="1.0" encoding="UTF-8"?><ObjectEncryption xmlns="${XMLNS}"><SSE-KMS><KMSKeyArn>${keyArn}` +
      `</KMSKeyArn><BucketKeyEnabled>false</BucketKeyEnabled></SSE-KMS></ObjectEncryption>`;
    return this.send('PUT', bucket, key, { encryption: '' }, body);
  }

  getTagging(bucket: string, key: string) {
    return this.send('GET', bucket, key, { tagging: '' });
  }

  putTagging(bucket: string, key: string, tags: [string, string][]) {
    const set = tags.map(([k, v]) => `<Tag><Key>${k}</Key><Value>${v}</Value></Tag>`).join('');
    const body = `<?xml version="1.0" encoding="UTF-8"?><Tagging xmlns="${XMLNS}"><TagSet>${set}</TagSet></Tagging>`;
    return this.send('PUT', bucket, key, { tagging: '' }, body);
  }

  destroy(): void {
    this.agent.destroy();
  }
}
