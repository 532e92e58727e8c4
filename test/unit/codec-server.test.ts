// The codec server (client/codec-server.ts) over loopback HTTP: Temporal's remote codec protocol, the token
// required of every request, CORS for the Web UI's origin only, and bad bodies refused.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type http from 'node:http';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { KmsPayloadCodec } from '../../common/payload-codec';
import { createCodecServer } from '../../client/codec-server';
import { fakeKms, PAYLOAD_KEY } from '../helpers/fake-kms';

const TOKEN = 'a-token-of-thirty-two-characters';
const UI = 'http://127.0.0.1:8233';

describe('the codec server', () => {
  let server: http.Server;
  let base: string;
  const codec = new KmsPayloadCodec(fakeKms().kms, { keyId: PAYLOAD_KEY });
  before(async () => {
    server = createCodecServer({ codec, token: TOKEN, origins: [UI] });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const asJson = (payload: Payload) => ({
    metadata: Object.fromEntries(
      Object.entries(payload.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v!).toString('base64')]),
    ),
    data: Buffer.from(payload.data!).toString('base64'),
  });

  it('decodes what the workers encoded, with the token as a bearer or as the first path segment', async () => {
    const value = { bucket: 'b', key: 'customers/jane-roe/passport.pdf' };
    const [sealed] = await codec.encode([defaultPayloadConverter.toPayload(value)]);
    for (const [path, headers] of [
      ['/decode', { authorization: `Bearer ${TOKEN}` }],
      [`/${TOKEN}/decode`, {}],
    ] as const) {
      const res = await post(path, { payloads: [asJson(sealed)] }, headers);
      assert.equal(res.status, 200, path);
      const [decoded] = ((await res.json()) as { payloads: { metadata: Record<string, string>; data: string }[] })
        .payloads;
      assert.equal(Buffer.from(decoded.metadata.encoding, 'base64').toString(), 'json/plain');
      assert.deepEqual(JSON.parse(Buffer.from(decoded.data, 'base64').toString()), value);
    }
  });

  it('encodes too, and round-trips through itself', async () => {
    const plain = asJson(defaultPayloadConverter.toPayload('hello'));
    const encoded = (await (await post(`/${TOKEN}/encode`, { payloads: [plain] })).json()) as { payloads: unknown[] };
    const decoded = (await (await post(`/${TOKEN}/decode`, encoded)).json()) as { payloads: unknown[] };
    assert.deepEqual(decoded.payloads, [plain]);
  });

  it('refuses requests without the token, or with another, and answers nothing else', async () => {
    const body = { payloads: [] };
    assert.equal((await post('/decode', body)).status, 401);
    assert.equal(
      (await post('/decode', body, { authorization: 'Bearer a-token-of-thirty-two-characterZ' })).status,
      401,
    );
    assert.equal((await post('/wrong-token-of-32-characters-xx/decode', body)).status, 401);
    assert.equal((await post(`/${TOKEN}/other`, body)).status, 404);
    assert.equal((await post(`/${TOKEN}/decode`, 'not json')).status, 400);
  });

  it("allows the Web UI's origin by CORS and no other", async () => {
    const preflight = (origin: string) =>
      fetch(`${base}/${TOKEN}/decode`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST' },
      });
    const allowed = await preflight(UI);
    assert.equal(allowed.status, 204);
    assert.equal(allowed.headers.get('access-control-allow-origin'), UI);
    assert.match(allowed.headers.get('access-control-allow-headers') ?? '', /X-Namespace/);
    const other = await preflight('http://evil.example');
    assert.equal(other.headers.get('access-control-allow-origin'), null);
  });
});
