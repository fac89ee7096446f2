// The AssemblyScript SDK end to end: a fixture module built with it at test time serves every
// structured operation of ABI v1 (transform, generate, storage, auth) over HTTP, with its
// JSON both ways, its config from mg_init, its log and its abort handler.
import { readFile } from 'node:fs/promises';
import t from 'tap';
import { buildTestApp } from '../helpers/app.js';
import { buildWasm, errorOf, pluginsRoot } from './helpers.js';

const wasm = await buildWasm('test/fixtures/wasm/sdk-kitchen-sink', 'assembly/index.ts', 'build/kitchen-sink.wasm');
const bytes = new Uint8Array(await readFile(wasm));

const config = 'prefix: { type: string, default: "pre-" }\nrefuse: { type: boolean, default: false }';
const root = await pluginsRoot(t, [
  { name: 'ks-transformer', type: 'transformer', bytes, configYaml: config },
  { name: 'ks-generator', type: 'generator', bytes },
  { name: 'ks-storage', type: 'storage', bytes },
  { name: 'ks-auth', type: 'auth', bytes },
]);
const { app, logs } = await buildTestApp(t, { pluginsDirs: [root], wasmThreads: 1 });

const post = (url: string, payload: Record<string, unknown>) => app.inject({ method: 'POST', url, payload });

t.test('the SDK module exports exactly the ABI and imports only mg.log', async (t) => {
  const module = await WebAssembly.compile(bytes);
  t.same(WebAssembly.Module.imports(module), [{ module: 'mg', name: 'log', kind: 'function' }]);
  const exports = WebAssembly.Module.exports(module).map((e) => e.name);
  for (const name of ['memory', '_initialize', 'mg_abi_version', 'mg_alloc', 'mg_free', 'mg_last_error', 'mg_init']) {
    t.ok(exports.includes(name), `exports ${name}`);
  }
});

t.test('transformer: JSON in and out, batch export, config from mg_init', async (t) => {
  const one = await post('/plugins/ks-transformer/transform', { text: 'ab  cd' });
  t.equal(one.statusCode, 200);
  t.same(one.json().outputs, ['pre-ab', 'pre-cd']);
  const batch = await post('/plugins/ks-transformer/transform', { texts: ['x', 'y z'] });
  t.same(batch.json().results, [['pre-x'], ['pre-y', 'pre-z']]);
  const seen = await post('/plugins/ks-transformer/transform', { text: 'config' });
  t.same(JSON.parse(seen.json().outputs[0]), { prefix: 'pre-', refuse: false }, 'mg_init got the resolved config');

  await app.gateway.manager.reload('ks-transformer', undefined, { config: { prefix: 'ü "q" \\ \n\u0001 😀 ' } });
  const escaped = await post('/plugins/ks-transformer/transform', { text: 'a' });
  t.same(escaped.json().outputs, ['ü "q" \\ \n\u0001 😀 a'], 'strings survive the SDK’s JSON both ways');
});

t.test('transformer failures: plugin error, abort, wrong shapes', async (t) => {
  const failed = await post('/plugins/ks-transformer/transform', { text: 'fail' });
  t.equal(failed.statusCode, 502);
  t.match(errorOf(failed), { code: 'MODGATE_PLUGIN_ERROR', message: /failed in mg_transform: asked to fail/ });
  const aborted = await post('/plugins/ks-transformer/transform', { text: 'abort' });
  t.match(errorOf(aborted), { code: 'MODGATE_PLUGIN_CRASHED', message: /trapped in mg_transform: unreachable/ });
  let line: string | undefined;
  for (let i = 0; i < 200 && !line; i++) {
    line = logs().split('\n').find((l) => l.includes('asked to abort'));
    if (!line) await new Promise((r) => setTimeout(r, 10));
  }
  t.match(JSON.parse(line!), { plugin: 'ks-transformer', level: 50, msg: /asked to abort at test\/fixtures\/wasm\/sdk-kitchen-sink\/assembly\/index\.ts:\d+:\d+/ });
  const shape = await post('/plugins/ks-transformer/transform', { text: 'bad-shape' });
  t.match(errorOf(shape), { code: 'MODGATE_PLUGIN_BAD_OUTPUT', message: /mg_transform must return \{"texts": \[string, \.\.\.\]\}/ });
  const count = await post('/plugins/ks-transformer/transform', { texts: ['a', 'b', 'c'] });
  t.match(errorOf(count), { code: 'MODGATE_PLUGIN_BAD_OUTPUT', message: /returned 4 outputs for 3 inputs/ });
});

t.test('a config mg_init refuses fails the reload; the running version keeps serving', async (t) => {
  await t.rejects(app.gateway.manager.reload('ks-transformer', undefined, { config: { refuse: true } }), {
    code: 'MODGATE_PLUGIN_LOAD_FAILED',
    message: /mg_init failed: refused by config/,
  });
  const still = await post('/plugins/ks-transformer/transform', { text: 'a' });
  t.equal(still.statusCode, 200);
});

t.test('generator: prompt or messages in, text out (escaped quotes and newline intact)', async (t) => {
  const prompt = await post('/plugins/ks-generator/generate', { prompt: 'hi "there"' });
  t.equal(prompt.statusCode, 200);
  t.equal(prompt.json().text, '"hi "there""\n');
  const chat = await post('/plugins/ks-generator/generate', {
    messages: [
      { role: 'system', content: 'be brief' },
      { role: 'user', content: 'hello' },
    ],
  });
  t.equal(chat.json().text, '"system: be brief | user: hello"\n');
});

t.test('storage: put, get, list, delete through JSON with base64 values', async (t) => {
  const value = Buffer.from([0, 1, 2, 250, 255]);
  const put = await app.inject({ method: 'PUT', url: '/plugins/ks-storage/objects/bin-1', payload: value, headers: { 'content-type': 'application/x-test' } });
  t.equal(put.statusCode, 201);
  await app.inject({ method: 'PUT', url: '/plugins/ks-storage/objects/other', payload: 'hello', headers: { 'content-type': 'text/plain' } });
  const got = await app.inject({ method: 'GET', url: '/plugins/ks-storage/objects/bin-1' });
  t.equal(got.statusCode, 200);
  t.equal(got.headers['content-type'], 'application/x-test');
  t.same([...got.rawPayload], [...value]);
  const list = await app.inject({ method: 'GET', url: '/plugins/ks-storage/objects?prefix=bin' });
  t.match(list.json(), { objects: [{ key: 'bin-1', size: 5, contentType: 'application/x-test' }] });
  t.equal(list.json().objects.length, 1);
  t.equal((await app.inject({ method: 'DELETE', url: '/plugins/ks-storage/objects/bin-1' })).statusCode, 204);
  const gone = await app.inject({ method: 'GET', url: '/plugins/ks-storage/objects/bin-1' });
  t.equal(gone.statusCode, 404);
  t.equal(errorOf(gone).code, 'MODGATE_OBJECT_NOT_FOUND');
  t.equal((await app.inject({ method: 'DELETE', url: '/plugins/ks-storage/objects/bin-1' })).statusCode, 404);
});

t.test('auth: authenticate and authorize', async (t) => {
  const ok = await post('/plugins/ks-auth/authenticate', { token: 'secret-bob' });
  t.same(ok.json(), { authenticated: true, identity: { subject: 'bob', roles: ['reader'], claims: { tokenLength: 10, ratio: 0.25 } } });
  const no = await post('/plugins/ks-auth/authenticate', { token: 'guess' });
  t.same(no.json(), { authenticated: false });
  const identity = ok.json().identity;
  const read = await post('/plugins/ks-auth/authorize', { identity, resource: 'plugins/x', action: 'read' });
  t.same(read.json(), { allowed: true });
  const write = await post('/plugins/ks-auth/authorize', { identity, resource: 'plugins/x', action: 'write' });
  t.same(write.json(), { allowed: false, reason: 'readers may only read plugins/x' });
});
