// Invocation auth: open by default, API keys (Bearer or x-api-key), or delegation to an auth
// plugin (the bundled api-key-auth): 401 for missing or bad credentials, 403 for a caller the
// plugin does not allow, credentials never in the log.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Fastify from 'fastify';
import t from 'tap';
import type { Config } from '../../src/config.js';
import type { PluginOperations } from '../../src/core/operations.js';
import type { Identity } from '../../src/core/types.js';
import { ModgateError } from '../../src/errors.js';
import { registerErrorHandling } from '../../src/http/error-handler.js';
import { registerInvokeAuth } from '../../src/http/invoke-auth.js';
import { adminHeaders, buildTestApp, bundledSubset } from '../helpers/app.js';
import { tempDir, writeNativePlugin } from './helpers.js';

type App = Awaited<ReturnType<typeof buildTestApp>>['app'];

const ALICE = 'k-alice-7f3a9c2e51d04b8a';
const BOB = 'k-bob-0b6e1d8f4a2c9e37';
const OPERATOR = 'op-key-5d1c88e0a7b2f4c6';

async function gateway(t: Parameters<typeof tempDir>[0], config: Partial<Config>) {
  const plugins = await tempDir(t);
  // Outside the repository nothing says the fixtures' .js files are ES modules.
  await writeFile(join(plugins, 'package.json'), '{ "type": "module" }\n');
  await writeNativePlugin(plugins, { name: 'embed-a', version: '1.0.0', marker: 1 });
  await writeNativePlugin(plugins, { name: 'embed-b', version: '1.0.0', marker: 2 });
  const bundled = await bundledSubset(t, ['api-key-auth']);
  return buildTestApp(t, { pluginsDirs: [bundled, plugins], logLevel: 'debug', ...config });
}

const call = (app: App, plugin: string, headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url: `/plugins/${plugin}/vectorize`, headers, payload: { text: 'abc' } });

t.test('open by default: invocation routes need no credentials', async (t) => {
  const { app } = await gateway(t, {});
  t.equal((await call(app, 'embed-a')).statusCode, 200);
});

t.test('API keys: Bearer or x-api-key, constant-time match, 401 otherwise; other routes unaffected', async (t) => {
  const { app, logs } = await gateway(t, { apiKeys: [OPERATOR, 'second-key-0123456789'] });
  const none = await call(app, 'embed-a');
  t.equal(none.statusCode, 401);
  t.match(none.json(), { code: 'MODGATE_UNAUTHORIZED', message: /Authorization: Bearer <key> or x-api-key/ });
  t.equal(none.headers['www-authenticate'], 'Bearer realm="modgate"');
  const wrong = await call(app, 'embed-a', { authorization: `Bearer ${OPERATOR}x` });
  t.equal(wrong.statusCode, 401);
  t.match(wrong.json().message, /the API key is not valid/);

  t.equal((await call(app, 'embed-a', { authorization: `Bearer ${OPERATOR}` })).statusCode, 200);
  t.equal((await call(app, 'embed-b', { 'x-api-key': 'second-key-0123456789' })).statusCode, 200);
  const objects = await app.inject({ method: 'GET', url: '/plugins/embed-a/objects' });
  t.equal(objects.statusCode, 401, 'storage routes are invocation routes');
  const authRoute = await app.inject({ method: 'POST', url: '/plugins/api-key-auth/authenticate', payload: { token: 'x' } });
  t.equal(authRoute.statusCode, 401, 'auth plugin routes are invocation routes');

  t.equal((await app.inject({ method: 'GET', url: '/plugins' })).statusCode, 200, 'listing stays open');
  t.equal((await app.inject({ method: 'GET', url: '/health/ready' })).statusCode, 200);
  const adminWithKey = await app.inject({ method: 'GET', url: '/plugins/embed-a/versions', headers: { authorization: `Bearer ${OPERATOR}` } });
  t.equal(adminWithKey.statusCode, 403, 'an API key is not an admin token');
  t.equal((await app.inject({ method: 'GET', url: '/plugins/embed-a/versions', headers: adminHeaders })).statusCode, 200);

  t.match(logs(), /"url":"\/plugins\/embed-a\/vectorize"/, 'requests are logged at debug');
  t.notOk(logs().includes(OPERATOR), 'the key never reaches the log');
  t.notOk(logs().includes('second-key-0123456789'));
});

t.test('an auth plugin decides: authenticate, then authorize (plugins/<name>, invoke)', async (t) => {
  const { app, logs } = await gateway(t, { authPlugin: 'api-key-auth', apiKeys: [OPERATOR] });
  const configured = await app.inject({
    method: 'PATCH',
    url: '/plugins/api-key-auth/config',
    headers: adminHeaders,
    payload: { keys: `${ALICE}=alice:reader,${BOB}=bob:guest`, rules: 'reader:plugins/embed-a:invoke' },
  });
  t.equal(configured.statusCode, 200, configured.body);

  const alice = await call(app, 'embed-a', { authorization: `Bearer ${ALICE}` });
  t.equal(alice.statusCode, 200, 'alice may invoke embed-a');
  t.same(alice.json().vector, [3, 1, 0, 0]);
  const aliceElsewhere = await call(app, 'embed-b', { 'x-api-key': ALICE });
  t.equal(aliceElsewhere.statusCode, 403);
  t.match(aliceElsewhere.json(), { code: 'MODGATE_FORBIDDEN', message: /"alice" may not invoke plugins\/embed-b: no rule grants/ });
  const bob = await call(app, 'embed-a', { authorization: `Bearer ${BOB}` });
  t.equal(bob.statusCode, 403, 'bob is authenticated but not allowed');

  const stranger = await call(app, 'embed-a', { authorization: 'Bearer k-nobody-000000000000' });
  t.equal(stranger.statusCode, 401);
  t.match(stranger.json().message, /credentials are not valid/);
  const nothing = await call(app, 'embed-a');
  t.equal(nothing.statusCode, 401);
  const basic = await call(app, 'embed-a', { authorization: `Basic ${Buffer.from('alice:secret').toString('base64')}` });
  t.equal(basic.statusCode, 401, 'Basic credentials reach the plugin, which accepts only tokens');

  t.equal((await call(app, 'embed-b', { authorization: `Bearer ${OPERATOR}` })).statusCode, 200, 'a listed API key is accepted as is');

  const stats = (await app.inject({ method: 'GET', url: '/plugins/api-key-auth' })).json().stats;
  t.ok(stats.byOperation.authenticate > 0 && stats.byOperation.authorize > 0, 'the plugin was asked through the operations layer');
  for (const secret of [ALICE, BOB, OPERATOR]) t.notOk(logs().includes(secret), 'no key in the log');
});

t.test('the auth plugin missing fails closed with 503', async (t) => {
  const { app } = await gateway(t, { authPlugin: 'no-such-auth' });
  const res = await call(app, 'embed-a', { authorization: `Bearer ${ALICE}` });
  t.equal(res.statusCode, 503);
  t.match(res.json(), { code: 'MODGATE_PLUGIN_UNAVAILABLE', message: /auth plugin "no-such-auth" \(MODGATE_AUTH_PLUGIN\) is not installed/ });
  t.ok(res.headers['retry-after']);
});

t.test('routes naming the plugin in the body: invocation: { plugin(request) }', async (t) => {
  const asked: Array<{ resource: string; action: string }> = [];
  const operations = {
    async authenticate(_name: string, credentials: { token?: string }): Promise<Identity | null> {
      return credentials.token === ALICE ? { subject: 'alice', roles: [] } : null;
    },
    async authorize(_name: string, _identity: Identity, resource: string, action: string) {
      asked.push({ resource, action });
      return { allowed: resource === 'plugins/allowed-model', reason: 'test rule' };
    },
  } as unknown as PluginOperations;
  const app = Fastify();
  registerErrorHandling(app);
  registerInvokeAuth(app, { apiKeys: [], authPlugin: 'fake-auth' }, operations);
  app.post(
    '/v1/embeddings',
    { config: { invocation: { plugin: (request) => (request.body as { model?: string }).model } } },
    async () => ({ ok: true }),
  );
  app.post('/unmarked', async () => ({ open: true }));
  t.teardown(() => app.close());

  const post = (model: string, token?: string) =>
    app.inject({ method: 'POST', url: '/v1/embeddings', headers: token ? { 'x-api-key': token } : {}, payload: { model } });
  t.equal((await post('allowed-model', ALICE)).statusCode, 200);
  t.equal((await post('other-model', ALICE)).statusCode, 403);
  t.equal((await post('allowed-model')).statusCode, 401);
  t.equal((await post('allowed-model', 'wrong')).statusCode, 401);
  t.same(asked, [
    { resource: 'plugins/allowed-model', action: 'invoke' },
    { resource: 'plugins/other-model', action: 'invoke' },
  ]);
  t.equal((await app.inject({ method: 'POST', url: '/unmarked', payload: {} })).statusCode, 200, 'routes without the flag are not touched');

  const failing = Fastify();
  registerErrorHandling(failing);
  registerInvokeAuth(failing, { apiKeys: [], authPlugin: 'fake-auth' }, {
    async authenticate() {
      throw new ModgateError('MODGATE_PLUGIN_TIMEOUT', 'auth plugin timed out');
    },
  } as unknown as PluginOperations);
  failing.post('/plugins/:name/vectorize', { config: { invocation: true } }, async () => ({}));
  t.teardown(() => failing.close());
  const timeout = await failing.inject({ method: 'POST', url: '/plugins/x/vectorize', headers: { 'x-api-key': ALICE }, payload: {} });
  t.equal(timeout.statusCode, 504, 'a failing auth plugin is an error, never a pass');
});
