// Weaviate's inference-container contract under /compat/weaviate/:name, tested with the exact
// requests Weaviate's Go modules send (no Content-Type, Go's field names and zero values) and
// the response fields they read (text2vec-transformers: text, dims, vector, error;
// reranker-transformers: scores[i].score by position, error; probes: status <= 299).
import { request as httpRequest } from 'node:http';
import tap from 'tap';
import { asFloat32, callCount, listeningGateway, nativeVectors, sharedGateway } from './helpers.js';

interface GoReply {
  status: number;
  contentType: string | undefined;
  text: string;
}

/** An HTTP request the way Go's net/http client sends Weaviate's: no Content-Type header. */
function goRequest(origin: string, method: 'GET' | 'POST', path: string, body?: string, headers: Record<string, string> = {}): Promise<GoReply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      new URL(path, origin),
      {
        method,
        agent: false,
        headers: {
          'user-agent': 'Go-http-client/1.1',
          'accept-encoding': 'gzip',
          ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}),
          ...headers,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'], text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** What Go's json.Unmarshal into text2vec-transformers' vecRequest struct reads. */
function asVecResponse(text: string): { text: string; dims: number; vector: number[] | null; error: string } {
  const parsed = JSON.parse(text) as Record<string, unknown>;
  return {
    text: typeof parsed.text === 'string' ? parsed.text : '',
    dims: typeof parsed.dims === 'number' ? parsed.dims : 0,
    vector: Array.isArray(parsed.vector) ? (parsed.vector as number[]) : null,
    error: typeof parsed.error === 'string' ? parsed.error : '',
  };
}

const TEXT = 'Weaviate stores objects and their vectors';

tap.test('POST /vectors: the request text2vec-transformers sends, the fields it reads', async (t) => {
  const { app, origin } = await sharedGateway(tap, { fixtures: true });
  const callsBefore = await callCount(app, 'hash-embedder', 'vectorize');
  const [expected] = await nativeVectors(app, 'hash-embedder', [TEXT]);

  // Exactly what json.Marshal(vecRequest{Text, Config{PoolingStrategy, TaskType}}) produces.
  const sent = `{"text":${JSON.stringify(TEXT)},"dims":0,"vector":null,"error":"","config":{"pooling_strategy":"masked_mean","task_type":"passage"}}`;
  for (const path of ['/compat/weaviate/hash-embedder/vectors', '/compat/weaviate/hash-embedder/vectors/']) {
    const reply = await goRequest(origin, 'POST', path, sent);
    t.equal(reply.status, 200, `${path} answers 200 (Weaviate accepts nothing else)`);
    const read = asVecResponse(reply.text);
    t.equal(read.text, TEXT);
    t.equal(read.dims, 384, 'dims: the field Weaviate reads');
    t.equal(read.error, '');
    t.same(read.vector, expected, 'the plugin’s vector');
    t.equal(JSON.parse(reply.text).dim, 384, 'dim: the inference containers’ own field');
  }

  // Older Weaviate versions: no task_type, pooling_strategy always present.
  const older = await goRequest(origin, 'POST', '/compat/weaviate/hash-embedder/vectors', `{"text":"hello","dims":0,"vector":null,"error":"","config":{"pooling_strategy":""}}`);
  t.equal(older.status, 200);
  t.equal(asVecResponse(older.text).vector?.length, 384);

  // config.dimensions (Weaviate's `dimensions` setting) shortens and re-normalises.
  const short = await goRequest(
    origin,
    'POST',
    '/compat/weaviate/hash-embedder/vectors',
    `{"text":${JSON.stringify(TEXT)},"dims":0,"vector":null,"error":"","config":{"pooling_strategy":"masked_mean","task_type":"query","dimensions":64}}`,
  );
  t.equal(short.status, 200);
  const shortened = asVecResponse(short.text);
  t.equal(shortened.dims, 64);
  const prefix = expected.slice(0, 64);
  const norm = Math.hypot(...prefix);
  t.ok(norm > 0);
  t.same(shortened.vector, asFloat32(prefix.map((v) => v / norm)));

  const tooMany = await goRequest(origin, 'POST', '/compat/weaviate/hash-embedder/vectors', `{"text":"x","config":{"dimensions":1000}}`);
  t.equal(tooMany.status, 400);
  t.match(asVecResponse(tooMany.text).error, /dimensions 1000 is larger than the 384 dimensions/);

  t.equal(
    (await callCount(app, 'hash-embedder', 'vectorize')) - callsBefore,
    5,
    'calls go through the gateway’s operations (1 native + 4 compat; the refused dimensions never reach the plugin)',
  );
});

tap.test('POST /vectors batch form: {texts} -> {vectors, dims}', async (t) => {
  const { app, origin } = await sharedGateway(tap, { fixtures: true });
  const texts = [TEXT, 'a second object', ''];
  const expected = await nativeVectors(app, 'hash-embedder', texts);
  // vecBatchRequest{Texts, Config}, sent with Content-Type: application/json.
  const reply = await goRequest(
    origin,
    'POST',
    '/compat/weaviate/hash-embedder/vectors',
    JSON.stringify({ texts, config: { pooling_strategy: 'masked_mean', task_type: 'passage' } }),
    { 'content-type': 'application/json' },
  );
  t.equal(reply.status, 200);
  const body = JSON.parse(reply.text);
  t.equal(body.dims, 384);
  t.same(body.vectors, expected);
  t.equal(body.error, undefined, 'no error field on success');

  const both = await goRequest(origin, 'POST', '/compat/weaviate/hash-embedder/vectors', JSON.stringify({ text: 'a', texts: ['b'] }));
  t.equal(both.status, 400);
  t.equal(asVecResponse(both.text).error, 'send "text" (one string) or "texts" (a list of strings)');
});

tap.test('vectors errors carry a string `error`, as Weaviate reads them', async (t) => {
  const { origin } = await sharedGateway(tap, { fixtures: true });
  const unknown = await goRequest(origin, 'POST', '/compat/weaviate/no-such/vectors', '{"text":"x"}');
  t.equal(unknown.status, 404);
  t.same(JSON.parse(unknown.text), {
    error: 'no plugin named "no-such" is installed (GET /plugins lists them)',
    code: 'MODGATE_PLUGIN_NOT_FOUND',
    statusCode: 404,
  });

  const wrongType = await goRequest(origin, 'POST', '/compat/weaviate/bm25-reranker/vectors', '{"text":"x"}');
  t.equal(wrongType.status, 400);
  t.match(asVecResponse(wrongType.text).error, /is a reranker; this operation needs a vectorizer/);

  const notJson = await goRequest(origin, 'POST', '/compat/weaviate/hash-embedder/vectors', '{"text":');
  t.equal(notJson.status, 400);
  t.match(JSON.parse(notJson.text), { error: /JSON/i, code: 'MODGATE_VALIDATION' });

  const wrongField = await goRequest(origin, 'POST', '/compat/weaviate/hash-embedder/vectors', '{"text":42}');
  t.equal(wrongField.status, 400);
  t.match(asVecResponse(wrongField.text).error, /text/);

  const badName = await goRequest(origin, 'POST', '/compat/weaviate/Bad_Name/vectors', '{"text":"x"}');
  t.equal(badName.status, 400);
});

tap.test('POST /rerank: the request reranker-transformers sends, scores by position', async (t) => {
  const { app, origin } = await sharedGateway(tap, { fixtures: true });
  const query = 'what do cats eat';
  // Weaviate sends "" for objects without the rank property.
  const documents = ['Dogs bark at night.', 'Cats eat fish and mice.', '', 'Cats sleep; cats eat often.'];
  const native = (
    await app.inject({ method: 'POST', url: '/plugins/bm25-reranker/rerank', payload: { query, documents, returnDocuments: false } })
  ).json().results as Array<{ index: number; score: number }>;
  const byIndex = new Map(native.map((hit) => [hit.index, hit.score]));

  // json.Marshal(RankInput{Query, Documents, RankPropertyValue}), no Content-Type.
  const reply = await goRequest(origin, 'POST', '/compat/weaviate/bm25-reranker/rerank', JSON.stringify({ query, documents, property: '' }));
  t.equal(reply.status, 200);
  const body = JSON.parse(reply.text);
  t.equal(body.query, query);
  t.same(
    body.scores,
    documents.map((document, i) => ({ document, score: byIndex.get(i) })),
    'one score per document, in the order sent (Weaviate reads DocumentScores[i])',
  );
  t.ok(body.scores[1].score > body.scores[0].score, 'the cat document beats the dog one');

  const partial = await goRequest(origin, 'POST', '/compat/weaviate/partial-reranker/rerank', JSON.stringify({ query, documents, property: '' }));
  t.equal(partial.status, 502, 'a plugin that leaves documents unscored is a bad answer, not a short list');
  t.equal(JSON.parse(partial.text).error, 'plugin "partial-reranker" returned no score for document 1; Weaviate needs one score per document');

  const wrongType = await goRequest(origin, 'POST', '/compat/weaviate/hash-embedder/rerank', JSON.stringify({ query, documents }));
  t.equal(wrongType.status, 400);
  t.match(JSON.parse(wrongType.text).error, /is a vectorizer; this operation needs a reranker/);
});

tap.test('GET /meta, /.well-known/live and /.well-known/ready', async (t) => {
  const { app, origin } = await listeningGateway(t, { fixtures: true });

  const meta = await goRequest(origin, 'GET', '/compat/weaviate/hash-embedder/meta');
  t.equal(meta.status, 200);
  t.same(JSON.parse(meta.text), {
    model: {
      name: 'hash-embedder',
      type: 'vectorizer',
      version: '1.0.0',
      runtime: 'native',
      model: 'hash-embedder',
      description: 'Deterministic feature-hashing embedder (words, word bigrams, character n-grams); no model needed',
      dimensions: 384,
    },
  });
  const rerankerMeta = JSON.parse((await goRequest(origin, 'GET', '/compat/weaviate/bm25-reranker/meta')).text);
  t.match(rerankerMeta.model, { name: 'bm25-reranker', type: 'reranker' });
  t.equal(rerankerMeta.model.dimensions, undefined);
  t.equal((await goRequest(origin, 'GET', '/compat/weaviate/no-such/meta')).status, 404);

  for (const probe of ['live', 'ready']) {
    const ok = await goRequest(origin, 'GET', `/compat/weaviate/hash-embedder/.well-known/${probe}`);
    t.equal(ok.status, 204, `${probe}: 204 for a ready plugin`);
    t.equal(ok.text, '');
    const unknown = await goRequest(origin, 'GET', `/compat/weaviate/no-such/.well-known/${probe}`);
    t.equal(unknown.status, 404, `${probe}: 404 for an unknown plugin`);
  }

  const sick = await goRequest(origin, 'GET', '/compat/weaviate/sick-after-load/.well-known/ready');
  t.equal(sick.status, 503, 'a plugin reporting unhealthy is not ready');
  t.same(JSON.parse(sick.text), {
    error: 'plugin "sick-after-load" reports unhealthy: index file missing',
    code: 'MODGATE_PLUGIN_UNAVAILABLE',
    statusCode: 503,
  });
  t.equal((await goRequest(origin, 'GET', '/compat/weaviate/sick-after-load/.well-known/live')).status, 204, 'but alive');

  const failed = await goRequest(origin, 'GET', '/compat/weaviate/fails-to-load/.well-known/ready');
  t.equal(failed.status, 503, 'a plugin that failed to load is not ready');
  t.match(JSON.parse(failed.text).error, /fails-to-load/);

  await app.gateway.manager.unload('hash-embedder');
  t.equal((await goRequest(origin, 'GET', '/compat/weaviate/hash-embedder/.well-known/ready')).status, 404, 'an unloaded plugin is gone');
});
