// The Python SDK (sdk/python) end to end: its build (stubs generated from proto/ with
// Debian's grpc_tools), a transformer, a streaming generator, a reranker, a storage plugin and
// an auth plugin served by Python processes (test/fixtures/grpc/py-*), plugin errors, the
// memory limit and the minimal environment.
import { spawnSync } from 'node:child_process';
import { realpath } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { buildTestApp, REPO_ROOT } from '../helpers/app.js';
import { detail, GRPC_FIXTURES, transform } from './helpers.js';

t.before(() => {
  // No silent skip: without Debian's python3-grpcio / python3-grpc-tools / python3-protobuf
  // this fails and says what to install.
  const build = spawnSync('/usr/bin/python3', [join(REPO_ROOT, 'sdk', 'python', 'build.py')], { encoding: 'utf8' });
  if (build.error || build.status !== 0) {
    throw new Error(`building the Python SDK failed: ${build.error?.message ?? build.stderr}`);
  }
});

t.test('a Python transformer: config, errors as HTTP statuses, deadline, memory limit, environment', async (t) => {
  const { app, logs } = await buildTestApp(t);
  await app.gateway.manager.load(`${GRPC_FIXTURES}/py-transformer`);
  const d = await detail(app, 'py-transformer');
  t.equal(d.state, 'ready');
  t.equal(d.runtimeInfo?.state, 'serving');

  t.strictSame((await transform(app, 'py-transformer', 'hello')).body.outputs, ['HELLO!'], 'config reached the plugin');
  const batch = await app.inject({ method: 'POST', url: '/plugins/py-transformer/transform', payload: { texts: ['a', 'b'] } });
  t.strictSame(batch.json().results, [['A!'], ['B!']]);

  const bad = await transform(app, 'py-transformer', 'bad-input');
  t.equal(bad.status, 400);
  t.match(bad.body.message, /python says the input is bad/);
  t.equal((await transform(app, 'py-transformer', 'missing')).status, 404);
  const boom = await transform(app, 'py-transformer', 'boom');
  t.equal(boom.status, 502);
  t.match(boom.body.message, /RuntimeError: python exploded/);
  t.match(logs(), /RuntimeError: python exploded/, 'the traceback is in the gateway log');

  const slow = await transform(app, 'py-transformer', 'slow');
  t.equal(slow.status, 504, 'a call past resources.timeout is a 504');
  t.strictSame((await transform(app, 'py-transformer', 'still-there')).body.outputs, ['STILL-THERE!']);

  const limits = (await transform(app, 'py-transformer', 'limits')).body.outputs![0];
  const bytes = 512 * 1024 * 1024;
  t.match(limits, new RegExp(`^Max address space\\s+${bytes}\\s+${bytes}\\s+bytes`), 'resources.memory is the address-space limit');
  t.equal(d.runtimeInfo?.addressSpaceLimitBytes, bytes);

  // tap's process tracking adds NODE_OPTIONS and _TAPJS_* to every child it sees spawned.
  const env = (await transform(app, 'py-transformer', 'env')).body.outputs!.filter((n) => !n.startsWith('_TAPJS_') && n !== 'NODE_OPTIONS');
  const passedThrough = ['LC_ALL', 'LC_CTYPE', 'TZ', 'TMPDIR'].filter((n) => process.env[n]);
  const expected = ['HOME', 'LANG', 'MALLOC_ARENA_MAX', 'PATH', 'PWD', 'PYTHONDONTWRITEBYTECODE', 'PYTHONUNBUFFERED', ...passedThrough];
  expected.push('MODGATE_PLUGIN_MAGIC_COOKIE', 'MODGATE_PLUGIN_NAME', 'MODGATE_PLUGIN_PROTOCOL_VERSIONS', 'MODGATE_PLUGIN_SOCKET_DIR');
  t.strictSame(env, expected.sort(), 'exactly the minimal environment (PWD comes from the run script’s shell)');
  t.equal((await transform(app, 'py-transformer', 'cwd')).body.outputs![0], await realpath(`${GRPC_FIXTURES}/py-transformer`));
  t.match(logs(), /configured with suffix '!'/, 'the plugin’s log lines reach the gateway log');
});

t.test('a Python generator streams over server-sent events', async (t) => {
  const { app } = await buildTestApp(t);
  await app.gateway.manager.load(`${GRPC_FIXTURES}/py-generator`);
  const whole = await app.inject({ method: 'POST', url: '/plugins/py-generator/generate', payload: { prompt: 'one two three', maxTokens: 2 } });
  t.equal(whole.json().text, 'one two');
  const sse = await app.inject({
    method: 'POST',
    url: '/plugins/py-generator/generate',
    payload: { messages: [{ role: 'user', content: 'x y z' }], stream: true },
  });
  const chunks = [...sse.body.matchAll(/^data: (\{"text".*\})$/gm)].map((m) => JSON.parse(m[1]).text);
  t.strictSame(chunks, ['x', ' y', ' z']);
  const broken = await app.inject({ method: 'POST', url: '/plugins/py-generator/generate', payload: { prompt: 'ok fail', stream: true } });
  t.match(broken.body, /data: \{"text":"ok"\}/);
  t.match(broken.body, /event: error/);
  t.match(broken.body, /python generator broke/);
});

t.test('a Python reranker: config, scores as doubles, order, topN, errors', async (t) => {
  const { app } = await buildTestApp(t);
  await app.gateway.manager.load(`${GRPC_FIXTURES}/py-reranker`, { config: { weight: 1.5 } });
  const documents = ['a blue bird', 'the red fox', 'a red car', 'fox den'];
  const top = await app.inject({ method: 'POST', url: '/plugins/py-reranker/rerank', payload: { query: 'red fox', documents, topN: 3 } });
  t.equal(top.statusCode, 200);
  t.strictSame(
    top.json().results,
    [
      { index: 1, score: 1.5, document: 'the red fox' },
      { index: 2, score: 0.75, document: 'a red car' },
      { index: 3, score: 0.75, document: 'fox den' },
    ],
    'best first, ties in document order, cut to topN, scaled by config.weight',
  );
  const all = await app.inject({
    method: 'POST',
    url: '/plugins/py-reranker/rerank',
    payload: { query: 'red fox', documents, returnDocuments: false },
  });
  t.strictSame(
    all.json().results,
    [
      { index: 1, score: 1.5 },
      { index: 2, score: 0.75 },
      { index: 3, score: 0.75 },
      { index: 0, score: 0 },
    ],
    'no topN: the plugin gets None and returns every document',
  );
  const bad = await app.inject({ method: 'POST', url: '/plugins/py-reranker/rerank', payload: { query: 'bad', documents } });
  t.equal(bad.statusCode, 400);
  t.match(bad.json().message, /python reranker refuses this query/);
});

t.test('a Python storage plugin: put, get, list, delete over HTTP', async (t) => {
  const { app } = await buildTestApp(t);
  await app.gateway.manager.load(`${GRPC_FIXTURES}/py-storage`);
  const url = (key: string) => `/plugins/py-storage/objects/${encodeURIComponent(key)}`;
  const put = await app.inject({ method: 'PUT', url: url('docs/a.txt'), headers: { 'content-type': 'text/plain' }, payload: 'hello python' });
  t.equal(put.statusCode, 201);
  t.strictSame(put.json(), { key: 'docs/a.txt', size: 12 });
  const bin = Buffer.from([0, 255, 1, 254, 10, 13]);
  t.equal((await app.inject({ method: 'PUT', url: url('docs/b.bin'), headers: { 'content-type': 'application/octet-stream' }, payload: bin })).statusCode, 201);
  t.equal((await app.inject({ method: 'PUT', url: url('other/c.json'), payload: { x: 1 } })).statusCode, 201, 'a JSON body is stored as its text');

  const get = await app.inject({ method: 'GET', url: url('docs/a.txt') });
  t.equal(get.statusCode, 200);
  t.equal(get.body, 'hello python');
  t.match(get.headers['content-type'], /^text\/plain/);
  const getBin = await app.inject({ method: 'GET', url: url('docs/b.bin') });
  t.strictSame([...getBin.rawPayload], [...bin], 'binary bytes survive the round trip through Python');
  t.match(getBin.headers['content-type'], /^application\/octet-stream/);
  const json = await app.inject({ method: 'GET', url: url('other/c.json') });
  t.equal(json.body, '{"x":1}');
  t.match(json.headers['content-type'], /^application\/json/);

  const docs = await app.inject({ method: 'GET', url: '/plugins/py-storage/objects?prefix=docs/' });
  t.equal(docs.statusCode, 200);
  t.strictSame(docs.json().objects, [
    { key: 'docs/a.txt', size: 12, contentType: 'text/plain' },
    { key: 'docs/b.bin', size: 6, contentType: 'application/octet-stream' },
  ]);
  const limited = await app.inject({ method: 'GET', url: '/plugins/py-storage/objects?limit=2' });
  t.strictSame(limited.json().objects.map((o: { key: string }) => o.key), ['docs/a.txt', 'docs/b.bin'], 'limit reaches the plugin');
  const everything = await app.inject({ method: 'GET', url: '/plugins/py-storage/objects' });
  t.equal(everything.json().objects.length, 3);

  const refused = await app.inject({ method: 'PUT', url: url('readonly/x'), payload: 'no' });
  t.equal(refused.statusCode, 400);
  t.match(refused.json().message, /python storage: readonly\/x is read-only/);

  t.equal((await app.inject({ method: 'DELETE', url: url('docs/a.txt') })).statusCode, 204);
  const gone = await app.inject({ method: 'GET', url: url('docs/a.txt') });
  t.equal(gone.statusCode, 404, 'get of a deleted key: found=false -> 404');
  t.equal(gone.json().code, 'MODGATE_OBJECT_NOT_FOUND');
  t.equal((await app.inject({ method: 'DELETE', url: url('docs/a.txt') })).statusCode, 404, 'delete of a missing key: existed=false -> 404');
  const after = await app.inject({ method: 'GET', url: '/plugins/py-storage/objects?prefix=docs/' });
  t.strictSame(after.json().objects, [{ key: 'docs/b.bin', size: 6, contentType: 'application/octet-stream' }]);
});

t.test('a Python auth plugin: authenticate and authorize over HTTP', async (t) => {
  const { app, logs } = await buildTestApp(t);
  await app.gateway.manager.load(`${GRPC_FIXTURES}/py-auth`, { config: { token: 'py-secret-token-42' } });
  const authenticate = async (payload: object) => {
    const res = await app.inject({ method: 'POST', url: '/plugins/py-auth/authenticate', payload });
    t.equal(res.statusCode, 200);
    return res.json();
  };
  const carol = { subject: 'carol', roles: ['editor'], claims: { team: 'search', level: 3 } };
  t.strictSame(await authenticate({ token: 'py-secret-token-42' }), { authenticated: true, identity: carol }, 'the token from the (secret) config; roles and claims');
  t.strictSame(await authenticate({ token: 'py-token' }), { authenticated: false }, 'the default token was replaced by the config');
  t.strictSame(await authenticate({ username: 'dave', password: 'pw' }), { authenticated: true, identity: { subject: 'dave', roles: [] } }, 'no roles, no claims');
  t.strictSame(await authenticate({ username: 'dave', password: 'wrong' }), { authenticated: false });
  t.strictSame(await authenticate({}), { authenticated: false }, 'no credentials at all');

  const authorize = async (identity: object, resource: string, action: string) => {
    const res = await app.inject({ method: 'POST', url: '/plugins/py-auth/authorize', payload: { identity, resource, action } });
    t.equal(res.statusCode, 200);
    return res.json();
  };
  const dave = { subject: 'dave', roles: [] };
  t.strictSame(await authorize(dave, 'docs', 'read'), { allowed: true }, 'a dict decision without a reason');
  t.strictSame(await authorize(dave, 'docs', 'write'), { allowed: false, reason: 'dave may not write docs' }, 'a (False, reason) tuple');
  t.strictSame(await authorize(carol, 'search', 'write'), { allowed: true, reason: 'team search owns search' }, 'claims reach the plugin; an allowed tuple keeps its reason');
  t.strictSame(await authorize(carol, 'billing', 'write'), { allowed: false, reason: 'carol may not write billing' });
  t.strictSame(await authorize({ subject: 'root', roles: ['admin'] }, 'anything', 'delete'), { allowed: true }, 'a bare bool decision');
  t.notMatch(logs(), /py-secret-token-42/, 'the secret config value is not logged');
});
