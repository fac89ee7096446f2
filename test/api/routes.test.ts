// Every foundation route against a real gateway (app.inject) with bundled plugins and fixtures.
import { join } from 'node:path';
import t from 'tap';
import type { Config } from '../../src/config.js';
import { ADMIN_TOKEN, FIXTURES, adminHeaders, buildTestApp, bundledSubset, type Teardown } from '../helpers/app.js';

const BUNDLED = ['hash-embedder', 'bm25-reranker', 'text-chunker', 'extractive-summarizer', 'fs-storage', 'api-key-auth'];

async function gateway(t: Teardown, config: Partial<Config> = {}) {
  const bundled = await bundledSubset(t, BUNDLED);
  return buildTestApp(t, {
    pluginsDirs: [bundled, join(FIXTURES, 'native'), join(FIXTURES, 'discovery')],
    loadTimeoutMs: 500,
    drainTimeoutMs: 1000,
    ...config,
  });
}

t.test('plugins: list, filter, describe, health', async (t) => {
  const { app } = await gateway(t);
  const list = await app.inject({ method: 'GET', url: '/plugins' });
  t.equal(list.statusCode, 200);
  const names = list.json().plugins.map((p: { name: string }) => p.name);
  for (const name of [...BUNDLED, 'echo-vectorizer', 'broken-manifest']) t.ok(names.includes(name), `lists ${name}`);

  const vectorizers = (await app.inject({ method: 'GET', url: '/plugins?type=vectorizer&state=ready' })).json().plugins;
  t.same(vectorizers.map((p: { name: string }) => p.name), ['echo-vectorizer', 'hash-embedder']);
  const failed = (await app.inject({ method: 'GET', url: '/plugins?state=failed' })).json().plugins;
  t.same(failed.map((p: { name: string }) => p.name), ['broken-manifest', 'hanging-load', 'unhealthy', 'wrong-type-module']);
  const bad = await app.inject({ method: 'GET', url: '/plugins?type=teleporter' });
  t.equal(bad.statusCode, 400);
  t.equal(bad.json().code, 'MODGATE_VALIDATION');

  const detail = (await app.inject({ method: 'GET', url: '/plugins/echo-vectorizer' })).json();
  t.match(detail, {
    name: 'echo-vectorizer',
    version: '1.0.0',
    type: 'vectorizer',
    runtime: 'native',
    state: 'ready',
    dimensions: 4,
    limits: { timeoutMs: 2000, memoryBytes: 64 * 1024 * 1024, cpuMillis: 1000 },
    config: { marker: 1, apiKey: '***' },
    stats: { calls: 0, errors: 0 },
  });
  t.equal(detail.manifest.spec.config.apiKey.default, '***', 'secret defaults are hidden in the manifest too');
  t.notOk(JSON.stringify(detail).includes('fixture-secret-value'));

  const broken = await app.inject({ method: 'GET', url: '/plugins/broken-manifest' });
  t.equal(broken.statusCode, 200);
  t.match(broken.json(), { state: 'failed', failure: /metadata\.version/ });
  const unknown = await app.inject({ method: 'GET', url: '/plugins/nope' });
  t.equal(unknown.statusCode, 404);
  t.same(unknown.json(), {
    statusCode: 404,
    code: 'MODGATE_PLUGIN_NOT_FOUND',
    error: 'Not Found',
    message: 'no plugin named "nope" is installed (GET /plugins lists them)',
  });
  t.equal((await app.inject({ method: 'GET', url: '/plugins/Bad_Name' })).statusCode, 400);

  const healthy = await app.inject({ method: 'GET', url: '/plugins/hash-embedder/health' });
  t.match(healthy.json(), { name: 'hash-embedder', state: 'ready', healthy: true });
  const sick = await app.inject({ method: 'GET', url: '/plugins/unhealthy/health' });
  t.equal(sick.statusCode, 503);
  t.match(sick.json(), { state: 'failed', healthy: false, detail: /model file missing/ });
});

t.test('health endpoints and unknown routes', async (t) => {
  const { app } = await gateway(t);
  t.same((await app.inject({ method: 'GET', url: '/health/live' })).json(), { status: 'ok' });
  const ready = await app.inject({ method: 'GET', url: '/health/ready' });
  t.equal(ready.statusCode, 200);
  t.match(ready.json(), { status: 'ok', plugins: { ready: 9, failed: 4 } });
  const missing = await app.inject({ method: 'GET', url: '/nowhere' });
  t.equal(missing.statusCode, 404);
  t.equal(missing.json().code, 'MODGATE_NOT_FOUND');
  const docs = await app.inject({ method: 'GET', url: '/docs/' });
  t.equal(docs.statusCode, 200);
  t.match(docs.body, /swagger/i);
});

t.test('vectorize: one text, a batch, raw float32, and every refusal', async (t) => {
  const { app } = await gateway(t, { bodyLimit: 64 * 1024 });
  const post = (url: string, payload: unknown, headers = {}) => app.inject({ method: 'POST', url, payload: payload as object, headers });

  const one = await post('/plugins/hash-embedder/vectorize', { text: 'The quick brown fox' });
  t.equal(one.statusCode, 200);
  const { vector, dimensions, model, version } = one.json();
  t.equal(dimensions, 384);
  t.equal(vector.length, 384);
  t.same([model, version], ['hash-embedder', '1.0.0']);
  t.ok(Math.abs(Math.hypot(...vector) - 1) < 1e-5, 'the bundled embedder returns unit vectors');

  const batch = (await post('/plugins/hash-embedder/vectorize', { texts: ['The quick brown fox', 'lazy dog'] })).json();
  t.equal(batch.vectors.length, 2);
  t.same(batch.vectors[0], vector, 'batch and single agree');

  const raw = await post('/plugins/hash-embedder/vectorize', { texts: ['The quick brown fox', 'lazy dog'] }, { accept: 'application/octet-stream' });
  t.equal(raw.headers['content-type'], 'application/octet-stream');
  t.equal(raw.headers['x-dimensions'], '384');
  t.equal(raw.headers['x-count'], '2');
  t.equal(raw.rawPayload.length, 2 * 384 * 4);
  t.same(Array.from({ length: 384 }, (_, i) => raw.rawPayload.readFloatLE(i * 4)), vector, 'raw bytes are the same little-endian floats');

  const expectError = async (res: Awaited<ReturnType<typeof post>>, status: number, code: string, message?: RegExp) => {
    t.equal(res.statusCode, status, `${code} status`);
    t.equal(res.json().code, code);
    if (message) t.match(res.json().message, message);
    t.notMatch(res.body, /\n\s+at /, 'no stack trace');
  };
  await expectError(await post('/plugins/hash-embedder/vectorize', {}), 400, 'MODGATE_VALIDATION', /exactly one of "text"/);
  await expectError(await post('/plugins/hash-embedder/vectorize', { text: 'a', texts: ['b'] }), 400, 'MODGATE_VALIDATION');
  await expectError(await post('/plugins/hash-embedder/vectorize', { text: 42 }), 400, 'MODGATE_VALIDATION', /body\/text must be string/);
  await expectError(await post('/plugins/hash-embedder/vectorize', { texts: [] }), 400, 'MODGATE_VALIDATION');
  const badJson = await app.inject({ method: 'POST', url: '/plugins/hash-embedder/vectorize', payload: '{"text": ', headers: { 'content-type': 'application/json' } });
  await expectError(badJson, 400, 'MODGATE_VALIDATION');
  await expectError(await post('/plugins/hash-embedder/vectorize', { text: 'x'.repeat(70 * 1024) }), 413, 'MODGATE_PAYLOAD_TOO_LARGE');
  await expectError(await post('/plugins/echo-vectorizer/vectorize', { texts: Array(9).fill('a') }), 413, 'MODGATE_BATCH_TOO_LARGE', /at most 8/);
  await expectError(await post('/plugins/bm25-reranker/vectorize', { text: 'a' }), 400, 'MODGATE_UNSUPPORTED_OPERATION', /is a reranker/);
  await expectError(await post('/plugins/nope/vectorize', { text: 'a' }), 404, 'MODGATE_PLUGIN_NOT_FOUND');
  await expectError(await post('/plugins/echo-vectorizer/vectorize', { text: 'throw' }), 502, 'MODGATE_PLUGIN_ERROR', /echo-vectorizer.*fixture exploded/);
  await expectError(await post('/plugins/echo-vectorizer/vectorize', { text: 'hang' }), 504, 'MODGATE_PLUGIN_TIMEOUT', /2000 ms/);
  const failed = await post('/plugins/hanging-load/vectorize', { text: 'a' });
  await expectError(failed, 503, 'MODGATE_PLUGIN_UNAVAILABLE', /did not finish loading/);
  t.equal(failed.headers['retry-after'], '1');
  t.same((await post('/plugins/echo-vectorizer/vectorize', { text: 'ok' })).json().vector, [2, 1, 0, 0], 'still serving');
});

t.test('transform, rerank and generate with the bundled plugins', async (t) => {
  const { app } = await gateway(t);
  const post = (url: string, payload: object) => app.inject({ method: 'POST', url, payload });

  const text = 'First sentence here. Second one follows! And a third?';
  const chunks = (await post('/plugins/text-chunker/transform', { text })).json();
  t.same(chunks, { outputs: [text], model: 'text-chunker' });
  const many = (await post('/plugins/text-chunker/transform', { texts: ['  a  b ', 'c'] })).json();
  t.same(many.results, [['a b'], ['c']]);

  const documents = ['Cats eat fish and sleep.', 'Dogs bark at night.', 'A cat is a small feline; cats purr.'];
  const ranked = (await post('/plugins/bm25-reranker/rerank', { query: 'cats', documents })).json();
  t.equal(ranked.model, 'bm25-reranker');
  t.same(ranked.results.map((r: { index: number }) => r.index), [0, 2, 1], 'both cat documents first, the shorter one best');
  t.equal(ranked.results[0].document, documents[0]);
  t.ok(ranked.results[0].score > ranked.results[1].score && ranked.results[2].score === 0);
  const top = (await post('/plugins/bm25-reranker/rerank', { query: 'cats', documents, topN: 1, returnDocuments: false })).json();
  t.same(top.results.length, 1);
  t.notOk('document' in top.results[0]);

  const story =
    'The river flooded the valley in spring. Farmers moved their herds to the hills. The flood destroyed the old bridge. Engineers built a new bridge over the river.';
  const summary = (await post('/plugins/extractive-summarizer/generate', { prompt: `Summarize: ${story}`, maxTokens: 50 })).json();
  t.equal(summary.model, 'extractive-summarizer');
  t.ok(summary.text.length > 0 && story.includes(summary.text.split('. ')[0].replace(/\.$/, '')), 'the summary is made of input sentences');

  const streamed = await post('/plugins/extractive-summarizer/generate', { prompt: story, stream: true });
  t.equal(streamed.statusCode, 200);
  t.match(streamed.headers['content-type'], /text\/event-stream/);
  const events = streamed.body.trim().split('\n\n');
  t.equal(events.at(-1), 'event: done\ndata: {}');
  const joined = events.slice(0, -1).map((e) => JSON.parse(e.replace(/^data: /, '')).text).join('');
  const whole = (await post('/plugins/extractive-summarizer/generate', { prompt: story })).json().text;
  t.equal(joined, whole, 'the stream carries the same text');

  const neither = await post('/plugins/extractive-summarizer/generate', {});
  t.equal(neither.statusCode, 400);
  t.match(neither.json().message, /exactly one of "prompt"/);
  const notGenerator = await post('/plugins/hash-embedder/generate', { prompt: 'x', stream: true });
  t.equal(notGenerator.statusCode, 400, 'errors before the first chunk are plain JSON errors');
});

t.test('storage objects: put, get, list, delete', async (t) => {
  const { app } = await gateway(t);
  const put = await app.inject({
    method: 'PUT',
    url: '/plugins/fs-storage/objects/docs%2Fa.txt',
    payload: 'hello world',
    headers: { 'content-type': 'text/plain' },
  });
  t.equal(put.statusCode, 201);
  t.same(put.json(), { key: 'docs/a.txt', size: 11 });
  const bytes = Buffer.from([0, 1, 2, 255]);
  await app.inject({ method: 'PUT', url: '/plugins/fs-storage/objects/docs%2Fb.bin', payload: bytes, headers: { 'content-type': 'application/octet-stream' } });
  await app.inject({ method: 'PUT', url: '/plugins/fs-storage/objects/other', payload: { json: true } });

  const get = await app.inject({ method: 'GET', url: '/plugins/fs-storage/objects/docs%2Fa.txt' });
  t.equal(get.body, 'hello world');
  t.match(get.headers['content-type'], /^text\/plain/);
  t.same((await app.inject({ method: 'GET', url: '/plugins/fs-storage/objects/docs%2Fb.bin' })).rawPayload, bytes);

  const listed = (await app.inject({ method: 'GET', url: '/plugins/fs-storage/objects?prefix=docs/' })).json();
  t.same(listed.objects.map((o: { key: string }) => o.key), ['docs/a.txt', 'docs/b.bin']);
  t.same((await app.inject({ method: 'GET', url: '/plugins/fs-storage/objects?limit=1' })).json().objects.length, 1);

  t.equal((await app.inject({ method: 'DELETE', url: '/plugins/fs-storage/objects/docs%2Fa.txt' })).statusCode, 204);
  const gone = await app.inject({ method: 'GET', url: '/plugins/fs-storage/objects/docs%2Fa.txt' });
  t.equal(gone.statusCode, 404);
  t.equal(gone.json().code, 'MODGATE_OBJECT_NOT_FOUND');
  t.equal((await app.inject({ method: 'DELETE', url: '/plugins/fs-storage/objects/docs%2Fa.txt' })).statusCode, 404);
});

t.test('auth plugins: authenticate and authorize', async (t) => {
  const { app } = await gateway(t);
  const key = 'k-alice-0123456789abcdef';
  await app.gateway.manager.reload('api-key-auth', undefined, {
    config: { keys: `${key}=alice:reader`, rules: 'reader:plugins/*:invoke' },
  });
  const ok = (await app.inject({ method: 'POST', url: '/plugins/api-key-auth/authenticate', payload: { token: key } })).json();
  t.same(ok, { authenticated: true, identity: { subject: 'alice', roles: ['reader'] } });
  const no = (await app.inject({ method: 'POST', url: '/plugins/api-key-auth/authenticate', payload: { token: 'wrong' } })).json();
  t.same(no, { authenticated: false });
  const allowed = await app.inject({
    method: 'POST',
    url: '/plugins/api-key-auth/authorize',
    payload: { identity: ok.identity, resource: 'plugins/hash-embedder', action: 'invoke' },
  });
  t.equal(allowed.json().allowed, true);
  const denied = await app.inject({
    method: 'POST',
    url: '/plugins/api-key-auth/authorize',
    payload: { identity: ok.identity, resource: 'plugins/hash-embedder', action: 'delete' },
  });
  t.equal(denied.json().allowed, false);
  t.type(denied.json().reason, 'string');
  const config = (await app.inject({ method: 'GET', url: '/plugins/api-key-auth' })).json().config;
  t.equal(config.keys, '***', 'the keys are a secret');
});

t.test('admin routes: reload and delete need the admin token', async (t) => {
  const { app } = await gateway(t);
  const reload = (headers: Record<string, string>) => app.inject({ method: 'POST', url: '/plugins/echo-vectorizer/reload', headers });
  const missing = await reload({});
  t.equal(missing.statusCode, 401);
  t.equal(missing.json().code, 'MODGATE_UNAUTHORIZED');
  const wrong = await reload({ authorization: 'Bearer not-the-token' });
  t.equal(wrong.statusCode, 403);
  t.equal(wrong.json().code, 'MODGATE_FORBIDDEN');
  const before = app.gateway.manager.registry.get('echo-vectorizer');
  const ok = await reload(adminHeaders);
  t.equal(ok.statusCode, 200);
  t.equal(ok.json().state, 'ready');
  t.not(app.gateway.manager.registry.get('echo-vectorizer'), before, 'a new handle is active');
  t.equal(before?.state, 'stopped');

  t.equal((await app.inject({ method: 'DELETE', url: '/plugins/echo-vectorizer' })).statusCode, 401);
  t.equal((await app.inject({ method: 'DELETE', url: '/plugins/echo-vectorizer', headers: adminHeaders })).statusCode, 204);
  t.equal((await app.inject({ method: 'GET', url: '/plugins/echo-vectorizer' })).statusCode, 404);
  t.equal((await app.inject({ method: 'DELETE', url: '/plugins/echo-vectorizer', headers: adminHeaders })).statusCode, 404);
});

t.test('without MODGATE_ADMIN_TOKEN admin routes are disabled, not open', async (t) => {
  const { app } = await buildTestApp(t, { pluginsDirs: [join(FIXTURES, 'native')], adminToken: undefined });
  const res = await app.inject({ method: 'POST', url: '/plugins/echo-vectorizer/reload', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  t.equal(res.statusCode, 403);
  t.equal(res.json().code, 'MODGATE_ADMIN_DISABLED');
  t.match(res.json().message, /MODGATE_ADMIN_TOKEN/);
});
