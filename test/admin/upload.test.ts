// POST /plugins and PUT /plugins/:name over HTTP: multipart and bundle uploads, and every
// refusal, each with its status, code and a message that says what to fix.
import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, rename, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { ADMIN_TOKEN, adminHeaders, buildTestApp } from '../helpers/app.js';
import { folderParts, packBundle, send, tempDir, uploadFolder, writeNativePlugin, writeWasmPlugin, type Part } from './helpers.js';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const vectorize = (app: Awaited<ReturnType<typeof buildTestApp>>['app'], name: string, texts: string[]) =>
  app.inject({ method: 'POST', url: `/plugins/${name}/vectorize`, payload: { texts } });

t.test('multipart upload of a WASM plugin: 201, stored, serving; no native permission needed', async (t) => {
  const { app, dataDir } = await buildTestApp(t);
  const dir = await writeWasmPlugin(await tempDir(t), { name: 'wasm-embed', version: '1.0.0', marker: 5 });
  const wasm = await readFile(join(dir, 'vectorizer.wasm'));
  const res = await send(app, 'POST', '/plugins', [
    { name: 'manifest', value: await readFile(join(dir, 'plugin.yaml')), filename: 'plugin.yaml' },
    { name: 'file', value: wasm, filename: 'vectorizer.wasm' },
    { name: 'sha256', value: sha256(wasm).toUpperCase() },
  ]);
  t.equal(res.statusCode, 201, res.body);
  t.equal(res.headers['x-modgate-outcome'], 'installed');
  t.match(res.json(), { name: 'wasm-embed', version: '1.0.0', type: 'vectorizer', runtime: 'wasm', state: 'ready', source: 'store', dimensions: 4 });

  const call = await vectorize(app, 'wasm-embed', ['hello', 'hi']);
  t.equal(call.statusCode, 200, call.body);
  t.same(call.json().vectors, [
    [5, 5, 0, 0],
    [2, 5, 0, 0],
  ]);
  const stored = await readFile(join(dataDir, 'artifacts', 'sha256', sha256(wasm)));
  t.same(stored, wasm, 'the module is stored under its sha256');
  const list = (await app.inject({ method: 'GET', url: '/plugins' })).json().plugins;
  t.match(list, [{ name: 'wasm-embed', state: 'ready' }]);
});

t.test('bundle upload (.tgz of a plugin folder with a subfolder), with its sha256 checked', async (t) => {
  const { app } = await buildTestApp(t, { allowNativeUploads: true });
  const root = await tempDir(t);
  const dir = await writeNativePlugin(root, { name: 'bundled-up', version: '1.0.0', marker: 3 });
  // binary in a subfolder, as built plugins have it
  await mkdir(join(dir, 'dist'));
  await rename(join(dir, 'index.js'), join(dir, 'dist', 'index.js'));
  await writeFile(join(dir, 'plugin.yaml'), (await readFile(join(dir, 'plugin.yaml'), 'utf8')).replace('./index.js', './dist/index.js'));
  const bundle = await packBundle(dir, join(root, 'bundle.tgz'));

  const wrong = await send(app, 'POST', '/plugins', [
    { name: 'bundle', value: bundle, filename: 'bundle.tgz' },
    { name: 'sha256', value: '0'.repeat(64) },
  ]);
  t.equal(wrong.statusCode, 400);
  t.match(wrong.json(), { code: 'MODGATE_VALIDATION', message: /the bundle's sha256 is [0-9a-f]{64}, not the expected 0{64}/ });

  const res = await send(app, 'POST', '/plugins', [
    { name: 'bundle', value: bundle, filename: 'bundle.tgz' },
    { name: 'sha256', value: sha256(bundle) },
  ]);
  t.equal(res.statusCode, 201, res.body);
  t.match(res.json(), { name: 'bundled-up', runtime: 'native', source: 'store' });
  t.same((await vectorize(app, 'bundled-up', ['abcd'])).json().vectors, [[4, 3, 0, 0]]);
});

t.test('admin token: none sent 401, wrong 403, not configured 403 saying how to enable', async (t) => {
  const { app } = await buildTestApp(t, { allowNativeUploads: true });
  const parts = await folderParts(await writeNativePlugin(await tempDir(t), { version: '1.0.0', marker: 1 }));
  const none = await send(app, 'POST', '/plugins', parts, {});
  t.equal(none.statusCode, 401);
  t.equal(none.json().code, 'MODGATE_UNAUTHORIZED');
  const wrong = await send(app, 'POST', '/plugins', parts, { authorization: `Bearer ${ADMIN_TOKEN}x` });
  t.equal(wrong.statusCode, 403);
  t.equal(wrong.json().code, 'MODGATE_FORBIDDEN');
  for (const [method, url] of [
    ['PUT', '/plugins/versioned'],
    ['GET', '/plugins/versioned/versions'],
    ['POST', '/plugins/versioned/rollback'],
    ['PATCH', '/plugins/versioned/config'],
    ['DELETE', '/plugins/versioned'],
  ] as const) {
    const res = await app.inject({ method, url, payload: method === 'PATCH' ? {} : undefined });
    t.equal(res.statusCode, 401, `${method} ${url} needs the token`);
  }

  const disabled = await buildTestApp(t, { adminToken: undefined, allowNativeUploads: true });
  const res = await send(disabled.app, 'POST', '/plugins', parts, adminHeaders);
  t.equal(res.statusCode, 403);
  t.match(res.json(), { code: 'MODGATE_ADMIN_DISABLED', message: /MODGATE_ADMIN_TOKEN/ });
});

t.test('native plugins are refused unless MODGATE_ALLOW_NATIVE_UPLOADS; nothing is stored', async (t) => {
  const { app, dataDir } = await buildTestApp(t);
  const dir = await writeNativePlugin(await tempDir(t), { version: '1.0.0', marker: 1 });
  const res = await uploadFolder(app, dir);
  t.equal(res.statusCode, 403);
  t.match(res.json(), { code: 'MODGATE_NATIVE_UPLOAD_DISABLED', message: /MODGATE_ALLOW_NATIVE_UPLOADS=true/ });
  t.same(await readdir(join(dataDir, 'artifacts', 'sha256')), []);
  t.equal((await app.inject({ method: 'GET', url: '/plugins/versioned' })).statusCode, 404);
});

t.test('too large: a file over MODGATE_MAX_UPLOAD is 413 and the gateway keeps serving', async (t) => {
  const { app, dataDir } = await buildTestApp(t, { allowNativeUploads: true, maxUpload: 4096 });
  const dir = await writeNativePlugin(await tempDir(t), { version: '1.0.0', marker: 1 });
  const big = await send(app, 'POST', '/plugins', [...(await folderParts(dir)), { name: 'file', value: Buffer.alloc(8192, 7), filename: 'model.bin' }]);
  t.equal(big.statusCode, 413);
  t.equal(big.json().code, 'MODGATE_PAYLOAD_TOO_LARGE');
  // Several files that together pass the cap.
  const parts: Part[] = [...(await folderParts(dir))];
  for (let i = 0; i < 3; i++) parts.push({ name: 'file', value: Buffer.alloc(1500, i), filename: `part${i}.bin` });
  const together = await send(app, 'POST', '/plugins', parts);
  t.equal(together.statusCode, 413);
  t.match(together.json().message, /larger than 4096 bytes \(MODGATE_MAX_UPLOAD\)/);
  // A declared Content-Length far over the cap is refused before the body is read.
  const declared = await app.inject({
    method: 'POST',
    url: '/plugins',
    headers: { ...adminHeaders, 'content-type': 'multipart/form-data; boundary=x', 'content-length': String(8 * 1024 * 1024) },
    payload: Buffer.alloc(8 * 1024 * 1024),
  });
  t.equal(declared.statusCode, 413);
  t.same(await readdir(join(dataDir, 'tmp')), [], 'the staging folder is removed');
  const ok = await uploadFolder(app, dir);
  t.equal(ok.statusCode, 201, 'a normal upload still works');
});

t.test('bundles with path escapes or symlinks are refused', async (t) => {
  const { app, dataDir } = await buildTestApp(t, { allowNativeUploads: true });
  const root = await tempDir(t);
  const dir = await writeNativePlugin(root, { version: '1.0.0', marker: 1 });
  await writeFile(join(root, 'outside.txt'), 'outside');
  const { c } = await import('tar');
  const escape = join(root, 'escape.tgz');
  await c({ gzip: true, cwd: dir, file: escape, preservePaths: true }, ['plugin.yaml', 'index.js', '../outside.txt']);
  const res = await send(app, 'POST', '/plugins', [{ name: 'bundle', value: await readFile(escape), filename: 'escape.tgz' }]);
  t.equal(res.statusCode, 400);
  t.match(res.json(), { code: 'MODGATE_VALIDATION', message: /"\.\.\/outside\.txt" leaves the plugin folder/ });

  await symlink('/etc/passwd', join(dir, 'passwd'));
  const linked = join(root, 'link.tgz');
  await c({ gzip: true, cwd: dir, file: linked }, ['plugin.yaml', 'index.js', 'passwd']);
  const res2 = await send(app, 'POST', '/plugins', [{ name: 'bundle', value: await readFile(linked), filename: 'link.tgz' }]);
  t.equal(res2.statusCode, 400);
  t.match(res2.json().message, /"passwd" is a symbolic link/);

  const named = await send(app, 'POST', '/plugins', [...(await folderParts(join(root, 'versioned-1.0.0'))).slice(0, 1), { name: 'file', value: 'x', filename: '../evil.js' }]);
  t.equal(named.statusCode, 400);
  t.match(named.json().message, /file name "\.\.\/evil\.js" leaves the plugin folder/);
  t.same(await readdir(join(dataDir, 'artifacts', 'sha256')), [], 'nothing was stored');

  // A file name with a folder inside the plugin is kept as sent.
  const manifest = (await readFile(join(dir, 'plugin.yaml'), 'utf8')).replace('./index.js', './dist/index.js');
  const nested = await send(app, 'POST', '/plugins', [
    { name: 'manifest', value: manifest, filename: 'plugin.yaml' },
    { name: 'file', value: await readFile(join(dir, 'index.js')), filename: 'dist/index.js' },
  ]);
  t.equal(nested.statusCode, 201, nested.body);
  t.same(await readdir(join(dataDir, 'plugins', 'versioned', '1.0.0', 'dist')), ['index.js']);
});

t.test('bad uploads: missing artifact, bad manifest, no manifest, not multipart, unknown field, wrong sha256', async (t) => {
  const { app } = await buildTestApp(t, { allowNativeUploads: true });
  const dir = await writeNativePlugin(await tempDir(t), { version: '1.0.0', marker: 1 });
  const manifest: Part = { name: 'manifest', value: await readFile(join(dir, 'plugin.yaml')), filename: 'plugin.yaml' };
  const code: Part = { name: 'file', value: await readFile(join(dir, 'index.js')), filename: 'index.js' };

  const missing = await send(app, 'POST', '/plugins', [manifest]);
  t.equal(missing.statusCode, 400);
  t.match(missing.json(), { code: 'MODGATE_MANIFEST_INVALID', message: /spec\.binary: "\.\/index\.js" does not exist in the plugin folder/ });

  const bad = await send(app, 'POST', '/plugins', [
    { name: 'manifest', value: 'apiVersion: modgate.io/v1\nkind: Plugin\nmetadata: { name: Bad_Name, version: one }\nspec: { type: vectorizer, runtime: native }\n', filename: 'plugin.yaml' },
    code,
  ]);
  t.equal(bad.statusCode, 400);
  t.equal(bad.json().code, 'MODGATE_MANIFEST_INVALID');
  t.match(bad.json().message, /metadata\.name.*metadata\.version.*spec\.binary/s, 'every problem is reported');

  const noManifest = await send(app, 'POST', '/plugins', [code]);
  t.equal(noManifest.statusCode, 400);
  t.match(noManifest.json().message, /no manifest \(plugin\.yaml\)/);

  const json = await app.inject({ method: 'POST', url: '/plugins', headers: adminHeaders, payload: { manifest: 'x' } });
  t.equal(json.statusCode, 415);
  t.match(json.json().message, /multipart\/form-data/);

  const unknown = await send(app, 'POST', '/plugins', [manifest, code, { name: 'colour', value: 'blue' }]);
  t.equal(unknown.statusCode, 400);
  t.match(unknown.json().message, /unknown form field "colour"/);

  const badSum = await send(app, 'POST', '/plugins', [manifest, code, { name: 'sha256', value: 'f'.repeat(64) }]);
  t.equal(badSum.statusCode, 400);
  t.match(badSum.json().message, /index\.js has sha256 [0-9a-f]{64}, not the expected f{64}/);

  const badConfig = await send(app, 'POST', '/plugins', [manifest, code, { name: 'config', value: '{"delayMs": "soon"}' }]);
  t.equal(badConfig.statusCode, 400);
  t.match(badConfig.json(), { code: 'MODGATE_CONFIG_INVALID', message: /config\.delayMs: must be an integer/ });

  const good = await send(app, 'POST', '/plugins', [manifest, code, { name: 'sha256', value: sha256(await readFile(join(dir, 'index.js'))) }]);
  t.equal(good.statusCode, 201, 'the same upload with everything right is accepted');
});

t.test('versions: a taken name is 409, the same version with other bytes 409, with the same bytes idempotent', async (t) => {
  const { app } = await buildTestApp(t, { allowNativeUploads: true });
  const root = await tempDir(t);
  const v1 = await writeNativePlugin(root, { version: '1.0.0', marker: 1 });
  t.equal((await uploadFolder(app, v1)).statusCode, 201);

  const again = await uploadFolder(app, v1);
  t.equal(again.statusCode, 409);
  t.match(again.json(), { code: 'MODGATE_PLUGIN_EXISTS', message: /PUT \/plugins\/versioned/ });

  const same = await uploadFolder(app, v1, 'versioned');
  t.equal(same.statusCode, 200);
  t.equal(same.headers['x-modgate-outcome'], 'unchanged');
  t.equal(same.json().version, '1.0.0');

  const impostor = await writeNativePlugin(await tempDir(t), { version: '1.0.0', marker: 99 });
  const conflict = await uploadFolder(app, impostor, 'versioned');
  t.equal(conflict.statusCode, 409);
  t.match(conflict.json(), { code: 'MODGATE_VERSION_CONFLICT', message: /already has a version 1\.0\.0 with different contents/ });
  t.same((await vectorize(app, 'versioned', ['a'])).json().vectors, [[1, 1, 0, 0]], 'the original still serves');

  const v2 = await writeNativePlugin(root, { version: '2.0.0', marker: 2 });
  const updated = await uploadFolder(app, v2, 'versioned');
  t.equal(updated.statusCode, 200);
  t.equal(updated.headers['x-modgate-outcome'], 'updated');
  const back = await uploadFolder(app, v1, 'versioned');
  t.equal(back.headers['x-modgate-outcome'], 'activated', 'PUT of a kept version with the same bytes makes it active again');
  t.same((await vectorize(app, 'versioned', ['a'])).json().vectors, [[1, 1, 0, 0]]);

  const elsewhere = await uploadFolder(app, v2, 'other-name');
  t.equal(elsewhere.statusCode, 400);
  t.match(elsewhere.json().message, /names plugin "versioned", not "other-name"/);
  const unknown = await uploadFolder(app, await writeNativePlugin(root, { name: 'nobody', version: '1.0.0', marker: 1 }), 'nobody');
  t.equal(unknown.statusCode, 404);
  t.match(unknown.json().message, /install it with POST \/plugins/);
});

t.test('a new version that is unhealthy is refused with 422; the running version keeps serving', async (t) => {
  const { app, dataDir } = await buildTestApp(t, { allowNativeUploads: true });
  const root = await tempDir(t);
  t.equal((await uploadFolder(app, await writeNativePlugin(root, { version: '1.0.0', marker: 1 }))).statusCode, 201);
  const sick = await uploadFolder(app, await writeNativePlugin(root, { version: '2.0.0', marker: 2, healthy: false }), 'versioned');
  t.equal(sick.statusCode, 422);
  t.match(sick.json(), { code: 'MODGATE_PLUGIN_LOAD_FAILED', message: /not healthy: marker 2 is configured to be unhealthy/ });
  t.same((await vectorize(app, 'versioned', ['ab'])).json().vectors, [[2, 1, 0, 0]]);
  const versions = await app.inject({ method: 'GET', url: '/plugins/versioned/versions', headers: adminHeaders });
  t.match(versions.json(), { active: '1.0.0', versions: [{ version: '1.0.0', active: true }] });
  t.equal(versions.json().versions.length, 1);
  t.same(await readdir(join(dataDir, 'plugins', 'versioned')), ['1.0.0'], 'the refused version is not kept');
  t.equal((await readdir(join(dataDir, 'artifacts', 'sha256'))).length, 2, 'nor its files');

  const firstSick = await uploadFolder(app, await writeNativePlugin(root, { name: 'sickly', version: '1.0.0', marker: 1, healthy: false }));
  t.equal(firstSick.statusCode, 422);
  t.equal((await app.inject({ method: 'GET', url: '/plugins/sickly' })).statusCode, 404, 'a failed first install leaves nothing behind');
  const retry = await uploadFolder(app, await writeNativePlugin(await tempDir(t), { name: 'sickly', version: '1.0.1', marker: 1 }));
  t.equal(retry.statusCode, 201, 'so it can be fixed and uploaded again');
});
