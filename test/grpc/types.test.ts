// Every plugin type end to end over HTTP, each served by a real plugin process through the
// TypeScript SDK (test/fixtures/grpc): the gateway's REST routes -> gRPC -> the plugin.
import t from 'tap';
import { buildTestApp } from '../helpers/app.js';
import { GRPC_FIXTURES } from './helpers.js';

t.test('one gateway, one gRPC plugin of every type', async (t) => {
  const { app } = await buildTestApp(t, { pluginsDirs: [] });
  const { manager } = app.gateway;
  const names = ['grpc-vectorizer', 'grpc-transformer', 'grpc-reranker', 'grpc-generator', 'grpc-storage', 'grpc-auth'];
  await Promise.all(names.map((name) => manager.load(`${GRPC_FIXTURES}/${name}`)));

  t.test('vectorizer: one text and a batch', async (t) => {
    const one = await app.inject({ method: 'POST', url: '/plugins/grpc-vectorizer/vectorize', payload: { text: 'hello' } });
    t.equal(one.statusCode, 200);
    t.strictSame(one.json().vector, [5, 1, 0, 0]);
    t.equal(one.json().dimensions, 4);
    const batch = await app.inject({ method: 'POST', url: '/plugins/grpc-vectorizer/vectorize', payload: { texts: ['a', 'abc'] } });
    t.strictSame(batch.json().vectors, [
      [1, 1, 0, 0],
      [3, 1, 0, 0],
    ]);
    const raw = await app.inject({
      method: 'POST',
      url: '/plugins/grpc-vectorizer/vectorize',
      headers: { accept: 'application/octet-stream' },
      payload: { texts: ['xy'] },
    });
    t.equal(raw.statusCode, 200);
    t.strictSame(Array.from(new Float32Array(new Uint8Array(raw.rawPayload).buffer)), [2, 1, 0, 0], 'raw float32 works too');
  });

  t.test('transformer: one text, a batch, and plugin errors mapped to HTTP statuses', async (t) => {
    const one = await app.inject({ method: 'POST', url: '/plugins/grpc-transformer/transform', payload: { text: 'abc' } });
    t.equal(one.statusCode, 200);
    t.strictSame(one.json().outputs, ['ABC', '3']);
    const batch = await app.inject({ method: 'POST', url: '/plugins/grpc-transformer/transform', payload: { texts: ['a', 'bb'] } });
    t.strictSame(batch.json().results, [
      ['A', '1'],
      ['BB', '2'],
    ]);
    const cases: Array<[string, number, string]> = [
      ['bad-input', 400, 'MODGATE_VALIDATION'],
      ['not-found', 404, 'MODGATE_NOT_FOUND'],
      ['busy', 429, 'MODGATE_RATE_LIMITED'],
      ['boom', 502, 'MODGATE_PLUGIN_ERROR'],
    ];
    for (const [text, status, code] of cases) {
      const res = await app.inject({ method: 'POST', url: '/plugins/grpc-transformer/transform', payload: { text } });
      t.equal(res.statusCode, status, `${text} -> ${status}`);
      t.equal(res.json().code, code);
    }
    const boom = await app.inject({ method: 'POST', url: '/plugins/grpc-transformer/transform', payload: { text: 'boom' } });
    t.match(boom.json().message, /fixture exploded/, 'the plugin’s message reaches the caller');
  });

  t.test('reranker: scores, order and topN', async (t) => {
    const res = await app.inject({
      method: 'POST',
      url: '/plugins/grpc-reranker/rerank',
      payload: { query: 'red fox', documents: ['a blue bird', 'the red fox', 'a red car'], topN: 2 },
    });
    t.equal(res.statusCode, 200);
    t.strictSame(res.json().results, [
      { index: 1, score: 2, document: 'the red fox' },
      { index: 2, score: 1, document: 'a red car' },
    ]);
    const all = await app.inject({
      method: 'POST',
      url: '/plugins/grpc-reranker/rerank',
      payload: { query: 'red', documents: ['red', 'blue'], returnDocuments: false },
    });
    t.strictSame(all.json().results, [
      { index: 0, score: 1 },
      { index: 1, score: 0 },
    ], 'no topN: every document');
  });

  t.test('generator: whole text, server-sent events, messages, maxTokens, a failure mid-stream', async (t) => {
    const whole = await app.inject({ method: 'POST', url: '/plugins/grpc-generator/generate', payload: { prompt: 'one two three' } });
    t.equal(whole.statusCode, 200);
    t.equal(whole.json().text, 'one two three');
    const limited = await app.inject({
      method: 'POST',
      url: '/plugins/grpc-generator/generate',
      payload: { messages: [{ role: 'user', content: 'alpha beta gamma delta' }], maxTokens: 2 },
    });
    t.equal(limited.json().text, 'alpha beta');
    const sse = await app.inject({ method: 'POST', url: '/plugins/grpc-generator/generate', payload: { prompt: 'a b c', stream: true } });
    t.equal(sse.statusCode, 200);
    t.match(sse.headers['content-type'], /text\/event-stream/);
    const chunks = [...sse.body.matchAll(/^data: (\{"text".*\})$/gm)].map((m) => JSON.parse(m[1]).text);
    t.strictSame(chunks, ['a', ' b', ' c'], 'one event per streamed chunk');
    t.match(sse.body, /event: done/);
    const broken = await app.inject({ method: 'POST', url: '/plugins/grpc-generator/generate', payload: { prompt: 'fail-midway', stream: true } });
    t.match(broken.body, /data: \{"text":"one "\}/);
    t.match(broken.body, /event: error/);
    t.match(broken.body, /fixture generator broke/);
  });

  t.test('storage: put, get, list, delete', async (t) => {
    const put = await app.inject({
      method: 'PUT',
      url: '/plugins/grpc-storage/objects/docs%2Fa.txt',
      headers: { 'content-type': 'text/plain' },
      payload: 'hello bytes',
    });
    t.equal(put.statusCode, 201);
    const bin = Buffer.from([0, 255, 1, 254]);
    await app.inject({
      method: 'PUT',
      url: '/plugins/grpc-storage/objects/docs%2Fb.bin',
      headers: { 'content-type': 'application/octet-stream' },
      payload: bin,
    });
    const get = await app.inject({ method: 'GET', url: '/plugins/grpc-storage/objects/docs%2Fa.txt' });
    t.equal(get.statusCode, 200);
    t.equal(get.body, 'hello bytes');
    t.match(get.headers['content-type'], /text\/plain/);
    const getBin = await app.inject({ method: 'GET', url: '/plugins/grpc-storage/objects/docs%2Fb.bin' });
    t.strictSame([...getBin.rawPayload], [...bin], 'binary bytes survive the round trip');
    const list = await app.inject({ method: 'GET', url: '/plugins/grpc-storage/objects?prefix=docs/&limit=10' });
    t.strictSame(list.json().objects, [
      { key: 'docs/a.txt', size: 11, contentType: 'text/plain' },
      { key: 'docs/b.bin', size: 4, contentType: 'application/octet-stream' },
    ]);
    const del = await app.inject({ method: 'DELETE', url: '/plugins/grpc-storage/objects/docs%2Fa.txt' });
    t.equal(del.statusCode, 204);
    const gone = await app.inject({ method: 'GET', url: '/plugins/grpc-storage/objects/docs%2Fa.txt' });
    t.equal(gone.statusCode, 404);
    t.equal(gone.json().code, 'MODGATE_OBJECT_NOT_FOUND');
    const delAgain = await app.inject({ method: 'DELETE', url: '/plugins/grpc-storage/objects/docs%2Fa.txt' });
    t.equal(delAgain.statusCode, 404);
  });

  t.test('auth: authenticate and authorize', async (t) => {
    const ok = await app.inject({ method: 'POST', url: '/plugins/grpc-auth/authenticate', payload: { token: 'good-token' } });
    t.equal(ok.statusCode, 200);
    t.strictSame(ok.json(), { authenticated: true, identity: { subject: 'alice', roles: ['reader'], claims: { team: 'search' } } });
    const basic = await app.inject({ method: 'POST', url: '/plugins/grpc-auth/authenticate', payload: { username: 'bob', password: 'hunter2' } });
    t.strictSame(basic.json(), { authenticated: true, identity: { subject: 'bob', roles: [] } });
    const bad = await app.inject({ method: 'POST', url: '/plugins/grpc-auth/authenticate', payload: { token: 'nope' } });
    t.strictSame(bad.json(), { authenticated: false });
    const identity = { subject: 'alice', roles: ['reader'] };
    const read = await app.inject({ method: 'POST', url: '/plugins/grpc-auth/authorize', payload: { identity, resource: 'docs', action: 'read' } });
    t.strictSame(read.json(), { allowed: true });
    const write = await app.inject({ method: 'POST', url: '/plugins/grpc-auth/authorize', payload: { identity, resource: 'docs', action: 'write' } });
    t.strictSame(write.json(), { allowed: false, reason: 'alice may not write docs' });
  });

  t.test('an operation of another type is a clear 400, not a gRPC error', async (t) => {
    const res = await app.inject({ method: 'POST', url: '/plugins/grpc-auth/vectorize', payload: { text: 'x' } });
    t.equal(res.statusCode, 400);
    t.equal(res.json().code, 'MODGATE_UNSUPPORTED_OPERATION');
  });
});
