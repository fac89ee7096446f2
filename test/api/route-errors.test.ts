// Refusals of the invocation, storage and plugin routes that routes.test.ts does not cover:
// bad bodies and query values, plugins of the wrong type, unknown plugins. One real gateway
// (app.inject) with the bundled native plugins; every answer is checked for its exact status
// and MODGATE_* code.
import t from 'tap';
import type { LightMyRequestResponse } from 'fastify';
import { adminHeaders, buildTestApp, bundledSubset } from '../helpers/app.js';

const BUNDLED = ['hash-embedder', 'bm25-reranker', 'text-chunker', 'fs-storage', 'api-key-auth'];

const bundled = await bundledSubset(t, BUNDLED);
const { app } = await buildTestApp(t, { pluginsDirs: [bundled], loadTimeoutMs: 5000, drainTimeoutMs: 1000 });

const post = (url: string, payload: unknown) =>
  app.inject({ method: 'POST', url, payload: JSON.stringify(payload), headers: { 'content-type': 'application/json' } });

type Assert = Pick<typeof t, 'equal' | 'match' | 'notMatch' | 'same'>;

/** A 4xx error body: exact status and code, the standard fields, a message and no stack. */
function expectError(t: Assert, res: LightMyRequestResponse, status: number, code: string, message: RegExp): void {
  t.equal(res.statusCode, status, `${code}: status ${status}`);
  t.match(res.headers['content-type'], /^application\/json/);
  const body = res.json();
  t.equal(body.statusCode, status);
  t.equal(body.code, code);
  t.equal(body.error, status === 400 ? 'Bad Request' : status === 404 ? 'Not Found' : body.error);
  t.match(body.message, message);
  t.notMatch(res.body, /\n\s+at /, 'no stack trace');
}

const an = (type: string) => `${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type}`;

/** The whole body of the error for a plugin of the wrong type. */
function expectWrongType(t: Assert, res: LightMyRequestResponse, name: string, type: string, needed: string): void {
  t.equal(res.statusCode, 400);
  t.same(res.json(), {
    statusCode: 400,
    code: 'MODGATE_UNSUPPORTED_OPERATION',
    error: 'Bad Request',
    message: `plugin "${name}" is ${an(type)}; this operation needs ${an(needed)}`,
  });
}

function expectUnknown(t: Assert, res: LightMyRequestResponse, name: string): void {
  t.equal(res.statusCode, 404);
  t.same(res.json(), {
    statusCode: 404,
    code: 'MODGATE_PLUGIN_NOT_FOUND',
    error: 'Not Found',
    message: `no plugin named "${name}" is installed (GET /plugins lists them)`,
  });
}

t.test('the gateway under test has the plugins ready', async (t) => {
  const ready = await app.inject({ method: 'GET', url: '/health/ready' });
  t.equal(ready.statusCode, 200);
  t.same(ready.json(), { status: 'ok', plugins: { ready: BUNDLED.length, failed: 0, total: BUNDLED.length } });
});

t.test('rerank: bad bodies, the wrong plugin type, an unknown plugin', async (t) => {
  const url = '/plugins/bm25-reranker/rerank';
  expectError(t, await post(url, { documents: ['a'] }), 400, 'MODGATE_VALIDATION', /^body must have required property 'query'$/);
  expectError(t, await post(url, { query: 'cats' }), 400, 'MODGATE_VALIDATION', /^body must have required property 'documents'$/);
  expectError(t, await post(url, { query: 'cats', documents: 'Cats eat fish.' }), 400, 'MODGATE_VALIDATION', /^body\/documents must be array$/);
  expectError(t, await post(url, { query: 'cats', documents: ['a', 7] }), 400, 'MODGATE_VALIDATION', /^body\/documents\/1 must be string$/);
  expectError(t, await post(url, { query: 42, documents: ['a'] }), 400, 'MODGATE_VALIDATION', /^body\/query must be string$/);
  expectError(t, await post(url, { query: 'cats', documents: ['a'], topN: 0 }), 400, 'MODGATE_VALIDATION', /^body\/topN must be >= 1$/);
  expectError(t, await post(url, { query: 'cats', documents: ['a'], returnDocuments: 'yes' }), 400, 'MODGATE_VALIDATION', /^body\/returnDocuments must be boolean$/);
  const notJson = await app.inject({ method: 'POST', url, payload: '{"query": "cats", ', headers: { 'content-type': 'application/json' } });
  expectError(t, notJson, 400, 'MODGATE_VALIDATION', /JSON/);

  const good = { query: 'cats', documents: ['Cats eat fish.', 'Dogs bark.'] };
  expectWrongType(t, await post('/plugins/hash-embedder/rerank', good), 'hash-embedder', 'vectorizer', 'reranker');
  expectWrongType(t, await post('/plugins/text-chunker/rerank', good), 'text-chunker', 'transformer', 'reranker');
  expectUnknown(t, await post('/plugins/no-such-reranker/rerank', good), 'no-such-reranker');
  t.equal((await post(url, good)).statusCode, 200, 'the same body on the reranker is fine');
});

t.test('transform on a native transformer: bad bodies, the wrong plugin type', async (t) => {
  t.equal(app.gateway.manager.registry.get('text-chunker')?.manifest.spec.runtime, 'native');
  const url = '/plugins/text-chunker/transform';
  expectError(t, await post(url, {}), 400, 'MODGATE_VALIDATION', /^send exactly one of "text" \(a string\) or "texts" \(an array of strings\)$/);
  expectError(t, await post(url, { text: 'a', texts: ['b'] }), 400, 'MODGATE_VALIDATION', /^send exactly one of "text"/);
  expectError(t, await post(url, { text: 42 }), 400, 'MODGATE_VALIDATION', /^body\/text must be string$/);
  expectError(t, await post(url, { texts: [] }), 400, 'MODGATE_VALIDATION', /^body\/texts must NOT have fewer than 1 items$/);
  expectError(t, await post(url, { texts: 'one text' }), 400, 'MODGATE_VALIDATION', /^body\/texts must be array$/);
  expectError(t, await post(url, ['a']), 400, 'MODGATE_VALIDATION', /^body must be object$/);

  expectWrongType(t, await post('/plugins/hash-embedder/transform', { text: 'a' }), 'hash-embedder', 'vectorizer', 'transformer');
  expectWrongType(t, await post('/plugins/bm25-reranker/transform', { texts: ['a'] }), 'bm25-reranker', 'reranker', 'transformer');
  expectUnknown(t, await post('/plugins/no-such-chunker/transform', { text: 'a' }), 'no-such-chunker');
  t.equal((await post(url, { text: 'a' })).statusCode, 200, 'a good body on the transformer is fine');
});

t.test('authenticate and authorize: bad bodies, the wrong plugin type', async (t) => {
  const authenticate = '/plugins/api-key-auth/authenticate';
  expectError(t, await post(authenticate, { token: 42 }), 400, 'MODGATE_VALIDATION', /^body\/token must be string$/);
  expectError(t, await post(authenticate, { username: 'alice', password: ['x'] }), 400, 'MODGATE_VALIDATION', /^body\/password must be string$/);
  expectError(t, await post(authenticate, 'a-token'), 400, 'MODGATE_VALIDATION', /^body must be object$/);
  expectWrongType(t, await post('/plugins/hash-embedder/authenticate', { token: 'k' }), 'hash-embedder', 'vectorizer', 'auth');
  t.match((await post('/plugins/hash-embedder/authenticate', { token: 'k' })).json(), { message: /is a vectorizer; this operation needs an auth$/ }, 'the article fits the type');
  expectWrongType(t, await post('/plugins/fs-storage/authenticate', { token: 'k' }), 'fs-storage', 'storage', 'auth');
  expectUnknown(t, await post('/plugins/no-such-auth/authenticate', { token: 'k' }), 'no-such-auth');

  const authorize = '/plugins/api-key-auth/authorize';
  const identity = { subject: 'alice', roles: ['reader'] };
  const good = { identity, resource: 'plugins/hash-embedder', action: 'invoke' };
  expectError(t, await post(authorize, { resource: 'plugins/x', action: 'invoke' }), 400, 'MODGATE_VALIDATION', /^body must have required property 'identity'$/);
  expectError(t, await post(authorize, { identity, action: 'invoke' }), 400, 'MODGATE_VALIDATION', /^body must have required property 'resource'$/);
  expectError(t, await post(authorize, { identity, resource: 'plugins/x' }), 400, 'MODGATE_VALIDATION', /^body must have required property 'action'$/);
  expectError(t, await post(authorize, { ...good, identity: { subject: 'alice' } }), 400, 'MODGATE_VALIDATION', /^body\/identity must have required property 'roles'$/);
  expectError(t, await post(authorize, { ...good, identity: { subject: 'alice', roles: 'reader' } }), 400, 'MODGATE_VALIDATION', /^body\/identity\/roles must be array$/);
  expectError(t, await post(authorize, { ...good, action: 1 }), 400, 'MODGATE_VALIDATION', /^body\/action must be string$/);
  expectWrongType(t, await post('/plugins/bm25-reranker/authorize', good), 'bm25-reranker', 'reranker', 'auth');
  expectUnknown(t, await post('/plugins/no-such-auth/authorize', good), 'no-such-auth');

  t.equal((await post(authenticate, { token: 'k' })).statusCode, 200, 'a good body on the auth plugin is fine');
  t.equal((await post(authorize, good)).statusCode, 200);
});

t.test('objects: a plugin that is not storage, bad limit values', async (t) => {
  const wrongType = (res: LightMyRequestResponse) => expectWrongType(t, res, 'hash-embedder', 'vectorizer', 'storage');
  wrongType(await app.inject({ method: 'GET', url: '/plugins/hash-embedder/objects' }));
  wrongType(await app.inject({ method: 'GET', url: '/plugins/hash-embedder/objects/a' }));
  wrongType(await app.inject({ method: 'DELETE', url: '/plugins/hash-embedder/objects/a' }));
  wrongType(await app.inject({ method: 'PUT', url: '/plugins/hash-embedder/objects/a', payload: 'x', headers: { 'content-type': 'text/plain' } }));
  expectUnknown(t, await app.inject({ method: 'GET', url: '/plugins/no-such-store/objects' }), 'no-such-store');

  const list = (query: string) => app.inject({ method: 'GET', url: `/plugins/fs-storage/objects?${query}` });
  expectError(t, await list('limit=abc'), 400, 'MODGATE_VALIDATION', /^querystring\/limit must be integer$/);
  expectError(t, await list('limit=1.5'), 400, 'MODGATE_VALIDATION', /^querystring\/limit must be integer$/);
  expectError(t, await list('limit=0'), 400, 'MODGATE_VALIDATION', /^querystring\/limit must be >= 1$/);
  expectError(t, await list('limit=-3'), 400, 'MODGATE_VALIDATION', /^querystring\/limit must be >= 1$/);
  expectError(t, await list('limit=10001'), 400, 'MODGATE_VALIDATION', /^querystring\/limit must be <= 10000$/);
  // The limit is checked before the plugin type: a bad limit on a non-storage plugin is still a validation error.
  const both = await app.inject({ method: 'GET', url: '/plugins/hash-embedder/objects?limit=abc' });
  expectError(t, both, 400, 'MODGATE_VALIDATION', /^querystring\/limit must be integer$/);

  const fine = await list('limit=10000');
  t.equal(fine.statusCode, 200, 'the largest limit is accepted');
  t.same(fine.json(), { objects: [] });
});

t.test('health and reload of an unknown plugin are 404', async (t) => {
  expectUnknown(t, await app.inject({ method: 'GET', url: '/plugins/no-such-plugin/health' }), 'no-such-plugin');
  expectUnknown(t, await app.inject({ method: 'POST', url: '/plugins/no-such-plugin/reload', headers: adminHeaders }), 'no-such-plugin');

  // Without the admin token the guard answers first, so an anonymous caller learns nothing about which names exist.
  const anonymous = await app.inject({ method: 'POST', url: '/plugins/no-such-plugin/reload' });
  t.equal(anonymous.statusCode, 401);
  t.equal(anonymous.json().code, 'MODGATE_UNAUTHORIZED');
  const wrongToken = await app.inject({ method: 'POST', url: '/plugins/no-such-plugin/reload', headers: { authorization: 'Bearer nope' } });
  t.equal(wrongToken.statusCode, 403);
  t.equal(wrongToken.json().code, 'MODGATE_FORBIDDEN');

  // A bad name is a validation error, not a lookup.
  expectError(t, await app.inject({ method: 'GET', url: '/plugins/Bad_Name/health' }), 400, 'MODGATE_VALIDATION', /^params\/name must match pattern/);
  expectError(t, await app.inject({ method: 'POST', url: '/plugins/Bad_Name/reload', headers: adminHeaders }), 400, 'MODGATE_VALIDATION', /^params\/name must match pattern/);

  const known = await app.inject({ method: 'GET', url: '/plugins/hash-embedder/health' });
  t.equal(known.statusCode, 200, 'a known plugin still answers');
});
