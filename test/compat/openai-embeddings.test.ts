// POST /v1/embeddings and GET /v1/models with the official openai client against a listening
// gateway, plus the exact wire format (base64 bytes, dimensions, errors) with fetch.
import tap from 'tap';
import OpenAI from 'openai';
import { asFloat32, callCount, nativeVectors, openaiClient, postJson as post, sharedGateway } from './helpers.js';

const TEXTS = ['The quick brown fox jumps over the lazy dog', 'Vector databases index embeddings for similarity search'];

tap.test('the openai client gets the plugin’s vectors', async (t) => {
  const { app, origin } = await sharedGateway(tap);
  const client = openaiClient(origin);
  const expected = await nativeVectors(app, 'hash-embedder', TEXTS);
  t.equal(expected[0].length, 384);

  // No encoding_format: the client asks for base64 and decodes the float32 bytes itself.
  const byDefault = await client.embeddings.create({ model: 'hash-embedder', input: TEXTS[0] });
  t.equal(byDefault.object, 'list');
  t.equal(byDefault.model, 'hash-embedder');
  t.equal(byDefault.data.length, 1);
  t.equal(byDefault.data[0].object, 'embedding');
  t.equal(byDefault.data[0].index, 0);
  t.same(Array.from(byDefault.data[0].embedding), asFloat32(expected[0]), 'base64 decodes to the plugin’s exact vector');
  t.same(byDefault.usage, { prompt_tokens: 9, total_tokens: 9 }, 'usage counts whitespace-separated words');

  const asFloats = await client.embeddings.create({ model: 'hash-embedder', input: TEXTS[0], encoding_format: 'float' });
  t.same(asFloats.data[0].embedding, expected[0], 'float: the JSON numbers of the native route');

  const batch = await client.embeddings.create({ model: 'hash-embedder', input: TEXTS });
  t.same(batch.data.map((d) => d.index), [0, 1]);
  t.same(batch.data.map((d) => Array.from(d.embedding)), expected.map(asFloat32), 'one vector per input, in order');
  t.same(batch.usage, { prompt_tokens: 16, total_tokens: 16 });
});

tap.test('unknown and wrong-type models are OpenAI errors the client understands', async (t) => {
  const { origin } = await sharedGateway(tap);
  const client = openaiClient(origin);

  const unknown = await client.embeddings.create({ model: 'no-such-plugin', input: 'hello' }).catch((err: unknown) => err);
  t.ok(unknown instanceof OpenAI.NotFoundError, 'a 404 surfaces as NotFoundError');
  const notFound = unknown as InstanceType<typeof OpenAI.NotFoundError>;
  t.equal(notFound.status, 404);
  t.equal(notFound.code, 'MODGATE_PLUGIN_NOT_FOUND');
  t.equal(notFound.type, 'invalid_request_error');
  t.equal(notFound.param, 'model');
  t.match(notFound.message, /no plugin named "no-such-plugin"/);

  const wrongType = await client.embeddings.create({ model: 'bm25-reranker', input: 'hello' }).catch((err: unknown) => err);
  t.ok(wrongType instanceof OpenAI.BadRequestError, 'a reranker is not an embedding model');
  t.match((wrongType as Error).message, /is a reranker; this operation needs a vectorizer/);
});

tap.test('the wire format: base64 bytes, dimensions, token arrays, validation', async (t) => {
  const { app, origin } = await sharedGateway(tap);
  const callsBefore = await callCount(app, 'hash-embedder', 'vectorize');
  const [vector] = await nativeVectors(app, 'hash-embedder', [TEXTS[1]]);

  const base64 = await post(origin, '/v1/embeddings', { model: 'hash-embedder', input: [TEXTS[1]], encoding_format: 'base64' });
  t.equal(base64.status, 200);
  const bytes = Buffer.from(base64.body.data[0].embedding, 'base64');
  t.equal(bytes.length, 384 * 4, '4 bytes per component');
  const decoded = Array.from({ length: 384 }, (_, i) => bytes.readFloatLE(i * 4));
  t.same(decoded, asFloat32(vector), 'little-endian float32');

  const short = await post(origin, '/v1/embeddings', { model: 'hash-embedder', input: TEXTS[1], encoding_format: 'float', dimensions: 64 });
  t.equal(short.status, 200);
  const shortened: number[] = short.body.data[0].embedding;
  t.equal(shortened.length, 64);
  const prefix = vector.slice(0, 64);
  const norm = Math.sqrt(prefix.reduce((s, v) => s + v * v, 0));
  t.ok(norm > 0, 'the test text has components in the first 64');
  t.same(shortened, asFloat32(prefix.map((v) => v / norm)), 'the first 64 components, re-normalised');
  t.ok(Math.abs(Math.hypot(...shortened) - 1) < 1e-6, 'unit length');

  const same = await post(origin, '/v1/embeddings', { model: 'hash-embedder', input: TEXTS[1], encoding_format: 'float', dimensions: 384 });
  t.same(same.body.data[0].embedding, vector, 'asking for all the dimensions changes nothing');

  const tooMany = await post(origin, '/v1/embeddings', { model: 'hash-embedder', input: 'hi', dimensions: 385 });
  t.equal(tooMany.status, 400);
  t.same(tooMany.body, {
    error: {
      message: 'dimensions 385 is larger than the 384 dimensions plugin "hash-embedder" makes; ask for at most 384',
      type: 'invalid_request_error',
      param: null,
      code: 'MODGATE_VALIDATION',
    },
  });

  const tokens = await post(origin, '/v1/embeddings', { model: 'hash-embedder', input: [[15339, 1917]] });
  t.equal(tokens.status, 400);
  t.match(tokens.body.error.message, /input\[0\] is not a string: token arrays are not supported/);

  const badFormat = await post(origin, '/v1/embeddings', { model: 'hash-embedder', input: 'hi', encoding_format: 'int8' });
  t.equal(badFormat.status, 400);
  t.equal(badFormat.body.error.code, 'MODGATE_VALIDATION');
  t.match(badFormat.body.error.message, /encoding_format/);

  const noModel = await post(origin, '/v1/embeddings', { input: 'hi' });
  t.equal(noModel.status, 400);
  t.match(noModel.body.error.message, /model/);

  const empty = await post(origin, '/v1/embeddings', { model: 'hash-embedder', input: [] });
  t.equal(empty.status, 400, 'an empty list is refused');

  const tooBig = await post(origin, '/v1/embeddings', { model: 'hash-embedder', input: Array.from({ length: 257 }, () => 'x') });
  t.equal(tooBig.status, 413, 'the plugin’s maxBatchSize applies');
  t.equal(tooBig.body.error.code, 'MODGATE_BATCH_TOO_LARGE');

  const notJson = await fetch(`${origin}/v1/embeddings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' });
  t.equal(notJson.status, 400);
  t.equal(((await notJson.json()) as { error: { type: string } }).error.type, 'invalid_request_error', 'body parse errors are OpenAI-shaped too');

  t.equal(
    (await callCount(app, 'hash-embedder', 'vectorize')) - callsBefore,
    4,
    'every call went through the gateway’s operations (stats count them), the refused dimensions before the plugin',
  );
});

tap.test('GET /v1/models lists the plugins; unknown /v1 paths answer in OpenAI’s shape', async (t) => {
  const { origin } = await sharedGateway(tap);
  const client = openaiClient(origin);
  const models = [];
  for await (const model of client.models.list()) models.push(model);
  t.same(
    models.map((m) => m.id),
    ['bm25-reranker', 'extractive-summarizer', 'hash-embedder'],
    'vectorizers, rerankers and generators (text-chunker is a transformer)',
  );
  const embedder = models.find((m) => m.id === 'hash-embedder') as unknown as Record<string, unknown>;
  t.match(embedder, { object: 'model', owned_by: 'modgate', type: 'vectorizer', version: '1.0.0' });
  t.ok(Number.isInteger(embedder.created) && (embedder.created as number) > 0);

  const one = await client.models.retrieve('extractive-summarizer');
  t.match(one, { id: 'extractive-summarizer', object: 'model', type: 'generator' });
  const missing = await client.models.retrieve('nope').catch((err: unknown) => err);
  t.ok(missing instanceof OpenAI.NotFoundError);
  const transformer = await client.models.retrieve('text-chunker').catch((err: unknown) => err);
  t.ok(transformer instanceof OpenAI.NotFoundError, 'a transformer is not a model');
  t.match((transformer as Error).message, /is a transformer, not a model/);

  const unknownPath = await fetch(`${origin}/v1/images/generations`, { method: 'POST' });
  t.equal(unknownPath.status, 404);
  t.same(await unknownPath.json(), {
    error: { message: 'no route POST /v1/images/generations (see /docs)', type: 'invalid_request_error', param: null, code: 'MODGATE_NOT_FOUND' },
  });
});
