// Installed plugins over their lifetime: restart restores them, rollback, config changes with
// write-only secrets, delete, and a stored version replacing a plugins-directory one.
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { FIXTURES, adminHeaders, buildTestApp } from '../helpers/app.js';
import { tempDir, uploadFolder, writeNativePlugin } from './helpers.js';

type App = Awaited<ReturnType<typeof buildTestApp>>['app'];

const vectors = async (app: App, name = 'versioned') =>
  (await app.inject({ method: 'POST', url: `/plugins/${name}/vectorize`, payload: { texts: ['abc'] } })).json().vectors;
const admin = (app: App, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) =>
  app.inject({ method, url, headers: adminHeaders, ...(payload === undefined ? {} : { payload: payload as object }) });

const SECRET = 'sk-live-7f3a9c2e51d04b8a';

t.test('a second gateway on the same data folder restores versions, the active one and config', async (t) => {
  const dataDir = await tempDir(t);
  const root = await tempDir(t);
  const first = await buildTestApp(t, { dataDir, allowNativeUploads: true });
  t.equal((await uploadFolder(first.app, await writeNativePlugin(root, { version: '1.0.0', marker: 1 }))).statusCode, 201);
  t.equal((await uploadFolder(first.app, await writeNativePlugin(root, { version: '1.1.0', marker: 2 }), 'versioned')).statusCode, 200);
  t.equal((await admin(first.app, 'PATCH', '/plugins/versioned/config', { label: 'tuned', apiKey: SECRET })).statusCode, 200);
  const before = (await admin(first.app, 'GET', '/plugins/versioned/versions')).json();
  await first.close();

  const second = await buildTestApp(t, { dataDir, allowNativeUploads: true });
  const ready = await second.app.inject({ method: 'GET', url: '/health/ready' });
  t.equal(ready.statusCode, 200);
  t.same(await vectors(second.app), [[3, 2, 0, 0]], 'version 1.1.0 serves after the restart');
  const detail = (await second.app.inject({ method: 'GET', url: '/plugins/versioned' })).json();
  t.match(detail, { version: '1.1.0', source: 'store', state: 'ready', config: { label: 'tuned', apiKey: '***' } });
  t.same((await admin(second.app, 'GET', '/plugins/versioned/versions')).json(), before);

  const back = await admin(second.app, 'POST', '/plugins/versioned/rollback');
  t.equal(back.statusCode, 200);
  t.match(back.json(), { version: '1.0.0', config: { label: 'tuned', apiKey: '***' } }, 'config follows the rollback');
  t.same(await vectors(second.app), [[3, 1, 0, 0]]);
});

t.test('rollback: to the previous version by default, to a named one, and clear errors', async (t) => {
  const { app } = await buildTestApp(t, { allowNativeUploads: true, pluginsDirs: [join(FIXTURES, 'native')] });
  const root = await tempDir(t);
  for (const [i, version] of ['1.0.0', '1.1.0', '1.2.0'].entries()) {
    const dir = await writeNativePlugin(root, { version, marker: i + 1 });
    const res = await uploadFolder(app, dir, i === 0 ? undefined : 'versioned');
    t.ok(res.statusCode < 300, `${version} uploaded`);
  }
  let versions = (await admin(app, 'GET', '/plugins/versioned/versions')).json();
  t.match(versions, { name: 'versioned', source: 'store', active: '1.2.0', previous: '1.1.0' });
  t.same(versions.versions.map((v: { version: string; active: boolean }) => [v.version, v.active]), [
    ['1.0.0', false],
    ['1.1.0', false],
    ['1.2.0', true],
  ]);

  const previous = await admin(app, 'POST', '/plugins/versioned/rollback');
  t.equal(previous.json().version, '1.1.0');
  t.equal(previous.headers['x-modgate-outcome'], 'activated');
  t.same(await vectors(app), [[3, 2, 0, 0]]);
  const toggled = await admin(app, 'POST', '/plugins/versioned/rollback');
  t.equal(toggled.json().version, '1.2.0', 'rolling back again returns to the version rolled back from');

  const named = await admin(app, 'POST', '/plugins/versioned/rollback', { version: '1.0.0' });
  t.equal(named.json().version, '1.0.0');
  t.same(await vectors(app), [[3, 1, 0, 0]]);
  versions = (await admin(app, 'GET', '/plugins/versioned/versions')).json();
  t.match(versions, { active: '1.0.0', previous: '1.2.0' });
  const same = await admin(app, 'POST', '/plugins/versioned/rollback', { version: '1.0.0' });
  t.equal(same.headers['x-modgate-outcome'], 'unchanged');

  const missing = await admin(app, 'POST', '/plugins/versioned/rollback', { version: '9.9.9' });
  t.equal(missing.statusCode, 404);
  t.match(missing.json(), { code: 'MODGATE_VERSION_NOT_FOUND', message: /no kept version 9\.9\.9 \(kept versions: 1\.0\.0, 1\.1\.0, 1\.2\.0/ });
  const directory = await admin(app, 'POST', '/plugins/echo-vectorizer/rollback');
  t.equal(directory.statusCode, 404);
  t.match(directory.json().message, /loaded from the plugins directory and has no stored versions/);
  t.match((await admin(app, 'GET', '/plugins/echo-vectorizer/versions')).json(), { source: 'directory', active: '1.0.0', versions: [] });
  t.equal((await admin(app, 'POST', '/plugins/nope/rollback')).statusCode, 404);
  t.equal((await admin(app, 'POST', '/plugins/versioned/rollback', { version: 1 })).statusCode, 400);
});

t.test('config: validated, applied by hot reload, secrets write-only in answers, logs and on disk', async (t) => {
  const { app, dataDir, logs } = await buildTestApp(t, { allowNativeUploads: true, logLevel: 'debug' });
  const root = await tempDir(t);
  const upload = await uploadFolder(app, await writeNativePlugin(root, { version: '1.0.0', marker: 1 }), undefined, [
    { name: 'config', value: JSON.stringify({ apiKey: SECRET }) },
  ]);
  t.equal(upload.statusCode, 201);
  t.match(upload.json().config, { apiKey: '***' });

  const changed = await admin(app, 'PATCH', '/plugins/versioned/config', { delayMs: 5, label: 'fast' });
  t.equal(changed.statusCode, 200);
  t.match(changed.json(), { version: '1.0.0', config: { delayMs: 5, label: 'fast', apiKey: '***' } });
  t.equal(app.gateway.manager.registry.get('versioned')!.config.apiKey, SECRET, 'the plugin itself gets the secret');

  const roundTrip = await admin(app, 'PATCH', '/plugins/versioned/config', { apiKey: '***', label: null });
  t.match(roundTrip.json().config, { label: 'plain', apiKey: '***' }, 'null resets to the default');
  t.equal(app.gateway.manager.registry.get('versioned')!.config.apiKey, SECRET, '"***" sent back keeps the secret');

  const invalid = await admin(app, 'PATCH', '/plugins/versioned/config', { delayMs: -1, colour: 'blue' });
  t.equal(invalid.statusCode, 400);
  t.match(invalid.json(), { code: 'MODGATE_CONFIG_INVALID', message: /config\.colour: is not a config key.*config\.delayMs: must be at least 0/s });
  const badSecret = await admin(app, 'PATCH', '/plugins/versioned/config', { apiKey: 12345 });
  t.equal(badSecret.statusCode, 400);
  t.notMatch(badSecret.body, /12345/, 'a rejected secret value is not echoed');
  t.match((await app.inject({ method: 'GET', url: '/plugins/versioned' })).json().config, { delayMs: 5 }, 'the old config still applies');
  t.equal((await admin(app, 'PATCH', '/plugins/nope/config', {})).statusCode, 404);

  const everything = [
    (await app.inject({ method: 'GET', url: '/plugins/versioned' })).body,
    (await app.inject({ method: 'GET', url: '/plugins' })).body,
    (await admin(app, 'GET', '/plugins/versioned/versions')).body,
    logs(),
  ].join('\n');
  t.notOk(everything.includes(SECRET), 'the secret appears in no answer and no log line');
  t.match(logs(), /plugin config changed/, 'the change itself is logged');

  const stateFile = join(dataDir, 'state.json');
  t.equal((await stat(stateFile)).mode & 0o777, 0o600);
  t.equal(JSON.parse(await readFile(stateFile, 'utf8')).plugins.versioned.config.apiKey, SECRET, 'stored for restarts');
});

t.test('delete drains, stops and removes a stored plugin; it stays gone after a restart', async (t) => {
  const dataDir = await tempDir(t);
  const first = await buildTestApp(t, { dataDir, allowNativeUploads: true });
  await uploadFolder(first.app, await writeNativePlugin(await tempDir(t), { version: '1.0.0', marker: 1 }));
  const handle = first.app.gateway.manager.registry.get('versioned')!;
  const gone = await admin(first.app, 'DELETE', '/plugins/versioned');
  t.equal(gone.statusCode, 204);
  t.equal(handle.state, 'stopped');
  t.equal((await first.app.inject({ method: 'GET', url: '/plugins/versioned' })).statusCode, 404);
  t.equal((await admin(first.app, 'DELETE', '/plugins/versioned')).statusCode, 404);
  t.same(await readdir(join(dataDir, 'artifacts', 'sha256')), [], 'its files are collected');
  await first.close();

  const second = await buildTestApp(t, { dataDir, allowNativeUploads: true });
  t.equal((await second.app.inject({ method: 'GET', url: '/plugins/versioned' })).statusCode, 404);
  const again = await uploadFolder(second.app, await writeNativePlugin(await tempDir(t), { version: '1.0.0', marker: 1 }));
  t.equal(again.statusCode, 201, 'the name can be used again');
});

t.test('a plugins-directory plugin: POST of its name is 409, PUT replaces it durably, config changes persist', async (t) => {
  const dataDir = await tempDir(t);
  const config = { dataDir, allowNativeUploads: true, pluginsDirs: [join(FIXTURES, 'native')] };
  const root = await tempDir(t);
  const first = await buildTestApp(t, config);
  t.same(await vectors(first.app, 'echo-vectorizer'), [[3, 1, 0, 0]], 'the fixture folder serves (marker from config)');

  const patched = await admin(first.app, 'PATCH', '/plugins/echo-vectorizer/config', { marker: 42 });
  t.equal(patched.statusCode, 200);
  t.same(await vectors(first.app, 'echo-vectorizer'), [[3, 42, 0, 0]]);
  await first.close();

  const second = await buildTestApp(t, config);
  t.same(await vectors(second.app, 'echo-vectorizer'), [[3, 42, 0, 0]], 'config set over the API survives a restart');
  const replacement = await writeNativePlugin(root, { name: 'echo-vectorizer', version: '2.0.0', marker: 7 });
  const taken = await uploadFolder(second.app, replacement);
  t.equal(taken.statusCode, 409);
  t.equal(taken.json().code, 'MODGATE_PLUGIN_EXISTS');
  const replaced = await uploadFolder(second.app, replacement, 'echo-vectorizer');
  t.equal(replaced.statusCode, 200, replaced.body);
  t.match(replaced.json(), { version: '2.0.0', source: 'store' });
  t.same(await vectors(second.app, 'echo-vectorizer'), [[3, 7, 0, 0]]);
  await second.close();

  const third = await buildTestApp(t, config);
  t.same(await vectors(third.app, 'echo-vectorizer'), [[3, 7, 0, 0]], 'the stored version wins over the folder after a restart');
  t.match(third.logs(), /plugin folder is replaced by the installed version of the same name/);
  t.equal((await admin(third.app, 'DELETE', '/plugins/echo-vectorizer')).statusCode, 204);
  await third.close();

  const fourth = await buildTestApp(t, config);
  t.same(await vectors(fourth.app, 'echo-vectorizer'), [[3, 1, 0, 0]], 'with the stored version deleted the folder serves again, with its default config');
});
