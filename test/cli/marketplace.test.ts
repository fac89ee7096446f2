// The marketplace client against real listening gateways (one serving the registry folder,
// one receiving installs), run in-process for speed; e2e-grpc.test.ts and e2e-native-wasm.test.ts
// run the real binary (e2e-flow.ts).
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import t from 'tap';
import { MINIMAL_NATIVE_MANIFEST, cli, rawTgz, tempDir } from './helpers.js';
import { ADMIN_TOKEN } from '../helpers/app.js';
import { bundleOf, forgeEntry, listeningGateway, publish, signWith, workbench } from './fixtures.js';
import { readIndexFile, writeIndexFile } from '../../src/cli/registry-store.js';

t.test('marketplace install, refusals and update', async (t) => {
  const bench = await workbench(t);
  const registry = path.join(await tempDir(t), 'registry');
  await publish(bench, registry, { name: 'vec-one', version: '1.0.0' });
  await publish(bench, registry, { name: 'vec-one', version: '1.1.0' });
  await publish(bench, registry, { name: 'vec-one', version: '2.0.0' });

  const market = await listeningGateway(t, { registryDir: registry });
  const target = await listeningGateway(t, { allowNativeUploads: true });
  const env = {
    MODGATE_REGISTRY: `${market.url}/registry`,
    MODGATE_GATEWAY: target.url,
    MODGATE_ADMIN_TOKEN: ADMIN_TOKEN,
    MODGATE_TRUSTED_KEYS: bench.signer.publicFile,
  };
  const installed = async () => ((await (await fetch(`${target.url}/plugins`)).json()) as { plugins: Array<{ name: string; version: string }> }).plugins;

  t.test('search and info read the served index', async (t) => {
    const search = await cli(['plugin', 'search', 'trigram', '--json'], env);
    t.equal(search.code, 0, search.stderr);
    t.match(search.json(), { ok: true, plugins: [{ name: 'vec-one', latest: '2.0.0', type: 'vectorizer', runtime: 'native' }] });
    const none = await cli(['plugin', 'search', 'nothing-like-this'], env);
    t.equal(none.code, 0);
    t.match(none.stdout, /no plugin matches/);
    const info = await cli(['plugin', 'info', 'vec-one'], env);
    t.equal(info.code, 0, info.stderr);
    t.match(info.stdout, /vec-one 2\.0\.0 \(vectorizer, native\)/);
    t.match(info.stdout, new RegExp(`1\\.1\\.0\\s+signed ${bench.signer.keyId}`));
    const missing = await cli(['plugin', 'info', 'nope'], env);
    t.equal(missing.code, 1);
    t.match(missing.stderr, /the registry has no plugin named "nope"/);
  });

  t.test('install picks the highest version in range and verifies it', async (t) => {
    const run = await cli(['plugin', 'install', 'vec-one@^1.0.0', '--json'], env);
    t.equal(run.code, 0, run.stdout + run.stderr);
    t.match(run.json(), { ok: true, installed: { name: 'vec-one', version: '1.1.0', signature: 'valid', keyId: bench.signer.keyId } });
    t.match(await installed(), [{ name: 'vec-one', version: '1.1.0' }]);
    const vector = await fetch(`${target.url}/plugins/vec-one/vectorize`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'hello' }),
    });
    t.equal(vector.status, 200);
    t.equal(((await vector.json()) as { vector: number[] }).vector.length, 64);

    const again = await cli(['plugin', 'install', 'vec-one'], env);
    t.equal(again.code, 1);
    t.match(again.stderr, /vec-one 1\.1\.0 is already installed.*modgate plugin update vec-one/);
  });

  t.test('list shows the installed version beside the marketplace latest', async (t) => {
    const run = await cli(['plugin', 'list'], env);
    t.equal(run.code, 0, run.stderr);
    t.match(run.stdout, /NAME\s+VERSION\s+TYPE\s+RUNTIME\s+STATE\s+LATEST/);
    t.match(run.stdout, /vec-one\s+1\.1\.0\s+vectorizer\s+native\s+ready\s+2\.0\.0/);
  });

  t.test('update stays within ^installed unless a range is given', async (t) => {
    const same = await cli(['plugin', 'update', '--json'], env);
    t.equal(same.code, 0, same.stdout);
    t.match(same.json(), { updates: [{ status: 'current', name: 'vec-one', version: '1.1.0', range: '^1.1.0' }] });
    const major = await cli(['plugin', 'update', 'vec-one@^2'], env);
    t.equal(major.code, 0, major.stderr);
    t.match(major.stdout, /updated vec-one 1\.1\.0 -> 2\.0\.0 \(signature valid/);
    t.match(await installed(), [{ name: 'vec-one', version: '2.0.0' }]);
    const none = await cli(['plugin', 'update', 'vec-one@^7'], env);
    t.equal(none.code, 1);
    t.match(none.stderr, /no version of vec-one satisfies \^7/);
    const notInstalled = await cli(['plugin', 'update', 'other-plugin'], env);
    t.equal(notInstalled.code, 1);
    t.match(notInstalled.stderr, /other-plugin is not installed/);
  });

  t.test('refusals', async (t) => {
    const refuse = async (args: string[], code: number, message: RegExp, extraEnv = {}) => {
      const before = await installed();
      const run = await cli(['plugin', ...args], { ...env, ...extraEnv });
      t.equal(run.code, code, `${args.join(' ')}: exit ${code}`);
      t.match(run.stderr, message, args.join(' '));
      t.strictSame(await installed(), before, 'the gateway is unchanged');
      return run;
    };

    // Tampered: the bundle on the registry changed after publishing (same size, one byte).
    const tampered = await publish(bench, registry, { name: 'tampered', version: '1.0.0' });
    const tamperedFile = path.join(registry, tampered.entry.bundle);
    const bytes = await readFile(tamperedFile);
    bytes[bytes.length - 5] ^= 0xff;
    await writeFile(tamperedFile, bytes);
    await refuse(['install', 'tampered'], 4, /does not match index\.json.*refusing it/);
    await refuse(['install', 'tampered', '--allow-unsigned'], 4, /does not match index\.json/);

    // Signed by a key the installer does not trust.
    await publish(bench, registry, { name: 'wrong-key', version: '1.0.0', key: bench.stranger });
    await refuse(['install', 'wrong-key'], 4, new RegExp(`signed by key ${bench.stranger.keyId}, which is not trusted`));

    // Index claims the trusted key but the signature was made with another one.
    const forgedSource = await bundleOf(bench, { name: 'forged', version: '1.0.0' });
    await forgeEntry(registry, forgedSource.bytes, MINIMAL_NATIVE_MANIFEST('forged', '1.0.0'), {
      signature: signWith(bench.stranger, forgedSource.bytes).signature,
      keyId: bench.signer.keyId,
    });
    await refuse(['install', 'forged', '--allow-unsigned'], 4, /signature check failed with trusted key/);

    // Unsigned.
    await publish(bench, registry, { name: 'unsigned', version: '1.0.0', key: null });
    await refuse(['install', 'unsigned'], 4, /unsigned@1\.0\.0 is not signed; refusing it \(pass --allow-unsigned/);

    // No version satisfies the range.
    await refuse(['install', 'vec-one@>=3.0.0'], 1, /no version of vec-one satisfies >=3\.0\.0 \(available: 1\.0\.0, 1\.1\.0, 2\.0\.0\)/);

    // Dependency not satisfiable on the target gateway.
    await publish(bench, registry, { name: 'needs-dep', version: '1.0.0', specExtra: '  dependencies:\n    - { name: vec-one, version: "^1.0.0" }\n    - { name: missing-base, version: "*" }\n' });
    await refuse(['install', 'needs-dep'], 1, /needs-dep@1\.0\.0 cannot be installed: vec-one \^1\.0\.0 is required but the gateway runs 2\.0\.0; missing-base \* is not installed/);

    // A path escape inside a (correctly signed) bundle.
    const evil = rawTgz([
      { path: 'plugin.yaml', data: MINIMAL_NATIVE_MANIFEST('escape', '1.0.0') },
      { path: 'index.mjs', data: 'export default {}' },
      { path: '../../escaped.mjs', data: 'boom' },
    ]);
    await forgeEntry(registry, evil, MINIMAL_NATIVE_MANIFEST('escape', '1.0.0'), { signature: signWith(bench.signer, evil).signature, keyId: bench.signer.keyId });
    await refuse(['install', 'escape'], 4, /entry "\.\.\/\.\.\/escaped\.mjs" leaves the bundle folder/);
    const publishEvil = path.join(bench.dir, 'escape-1.0.0.tgz');
    await writeFile(publishEvil, evil);
    const published = await cli(['plugin', 'publish', publishEvil, '--registry', path.join(bench.dir, 'other-registry')]);
    t.equal(published.code, 4, 'publish refuses it too');

    // A bundle whose manifest is not the plugin the index lists.
    const impostor = await bundleOf(bench, { name: 'impostor-real', version: '1.0.0' });
    await forgeEntry(registry, impostor.bytes, MINIMAL_NATIVE_MANIFEST('impostor', '1.0.0'), { signature: signWith(bench.signer, impostor.bytes).signature, keyId: bench.signer.keyId });
    await refuse(['install', 'impostor'], 4, /plugin\.yaml says impostor-real@1\.0\.0/);

    // Unreachable registry and gateway, refusing gateway.
    const closed = await listeningGateway(t);
    const closedUrl = closed.url;
    await closed.app.close();
    await refuse(['install', 'vec-one'], 3, /cannot reach the registry at http:\/\/127\.0\.0\.1:\d+\/registry\/index\.json/, { MODGATE_REGISTRY: `${closedUrl}/registry` });
    const unreachable = await cli(['plugin', 'list'], { ...env, MODGATE_GATEWAY: closedUrl });
    t.equal(unreachable.code, 3);
    t.match(unreachable.stderr, /cannot reach the gateway/);
    await refuse(['install', 'unsigned', '--allow-unsigned'], 5, /the gateway refused POST \/plugins \(403 MODGATE_FORBIDDEN\)/, { MODGATE_ADMIN_TOKEN: 'wrong-token' });
    await refuse(['install', 'unsigned', '--allow-unsigned'], 2, /needs the gateway's admin token/, { MODGATE_ADMIN_TOKEN: '' });
  });

  t.test('--allow-unsigned installs an unsigned bundle with a warning', async (t) => {
    const run = await cli(['plugin', 'install', 'unsigned', '--allow-unsigned'], env);
    t.equal(run.code, 0, run.stderr);
    t.match(run.stderr, /warning: unsigned@1\.0\.0 is not signed; installing it because of --allow-unsigned/);
    t.match(run.stdout, /installed unsigned@1\.0\.0/);
  });

  t.test('a malformed index is reported, not trusted', async (t) => {
    const index = await readIndexFile(registry);
    const broken = structuredClone(index);
    broken.plugins[0].versions[0].bundle = '../../../etc/passwd';
    await writeIndexFile(registry, broken);
    const run = await cli(['plugin', 'search', 'x', '--json'], env);
    t.equal(run.code, 1);
    t.match(run.json(), { ok: false, error: { code: 'REGISTRY_INVALID' } });
    await writeIndexFile(registry, index);
  });

  t.test('remove', async (t) => {
    const run = await cli(['plugin', 'remove', 'unsigned'], env);
    t.equal(run.code, 0, run.stderr);
    t.match(run.stdout, /removed unsigned 1\.0\.0/);
    t.notOk((await installed()).some((p) => p.name === 'unsigned'));
    const again = await cli(['plugin', 'remove', 'unsigned'], env);
    t.equal(again.code, 1);
    t.match(again.stderr, /unsigned is not installed/);
  });
});

t.test('a folder registry works offline, without any server', async (t) => {
  const bench = await workbench(t);
  const registry = path.join(await tempDir(t), 'registry');
  await publish(bench, registry, { name: 'offline', version: '0.3.0' });
  const search = await cli(['plugin', 'search', '--registry', registry, '--json']);
  t.match(search.json(), { plugins: [{ name: 'offline', latest: '0.3.0' }] });
  const viaFileUrl = await cli(['plugin', 'info', 'offline', '--registry', `file://${registry}`, '--json']);
  t.equal(viaFileUrl.code, 0, viaFileUrl.stdout);
  const missing = await cli(['plugin', 'search', '--registry', path.join(registry, 'nope')]);
  t.equal(missing.code, 1);
  t.match(missing.stderr, /does not exist; create the registry with: modgate registry build/);
});
