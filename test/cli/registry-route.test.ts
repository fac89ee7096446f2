import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import t from 'tap';
import { registryFile } from '../../routes/registry.js';
import { buildTestApp } from '../helpers/app.js';
import { tempDir } from './helpers.js';

async function registryFolder(t: { teardown(fn: () => unknown): void }): Promise<{ root: string; outside: string }> {
  const base = await tempDir(t);
  const root = path.join(base, 'registry');
  await mkdir(path.join(root, 'bundles', 'alpha'), { recursive: true });
  await writeFile(path.join(root, 'index.json'), '{"apiVersion":"modgate.io/registry/v1","plugins":[]}\n');
  await writeFile(path.join(root, 'bundles', 'alpha', 'alpha-1.0.0.tgz'), Buffer.from([0x1f, 0x8b, 1, 2, 3]));
  await writeFile(path.join(root, 'bundles', 'alpha', 'alpha-1.0.0.tgz.sig'), '{"keyId":"k"}');
  await writeFile(path.join(root, 'bundles', 'alpha', 'notes.txt'), 'not served');
  await writeFile(path.join(root, 'bundles', 'alpha', '.hidden.tgz'), 'not served');
  await writeFile(path.join(root, '.index.json.abc.tmp'), 'half written');
  const outside = path.join(base, 'secret.tgz');
  await writeFile(outside, 'TOP-SECRET-CONTENT');
  await symlink(outside, path.join(root, 'bundles', 'alpha', 'escape.tgz'));
  await symlink(base, path.join(root, 'bundles', 'up'));
  return { root, outside };
}

t.test('serves index.json and bundles read-only', async (t) => {
  const { root } = await registryFolder(t);
  const { app } = await buildTestApp(t, { registryDir: root });

  const index = await app.inject({ url: '/registry/index.json' });
  t.equal(index.statusCode, 200);
  t.match(index.headers['content-type'], /application\/json/);
  t.equal(index.headers['cache-control'], 'no-cache');
  t.strictSame(index.json(), { apiVersion: 'modgate.io/registry/v1', plugins: [] });

  const bundle = await app.inject({ url: '/registry/bundles/alpha/alpha-1.0.0.tgz' });
  t.equal(bundle.statusCode, 200);
  t.equal(bundle.headers['content-type'], 'application/gzip');
  t.equal(bundle.headers['content-length'], '5');
  t.match(bundle.headers['cache-control'], /immutable/);
  t.strictSame([...bundle.rawPayload], [0x1f, 0x8b, 1, 2, 3]);

  const sig = await app.inject({ url: '/registry/bundles/alpha/alpha-1.0.0.tgz.sig' });
  t.equal(sig.statusCode, 200);
  t.equal(sig.body, '{"keyId":"k"}');

  const head = await app.inject({ method: 'HEAD', url: '/registry/index.json' });
  t.equal(head.statusCode, 200);

  const post = await app.inject({ method: 'PUT', url: '/registry/index.json', payload: {} });
  t.equal(post.statusCode, 404, 'no writes');
});

t.test('refuses everything else with 404', async (t) => {
  const { root } = await registryFolder(t);
  const { app } = await buildTestApp(t, { registryDir: root });
  const refused = [
    '/registry/',
    '/registry/bundles',
    '/registry/bundles/',
    '/registry/bundles/alpha',
    '/registry/bundles/alpha/notes.txt',
    '/registry/bundles/alpha/.hidden.tgz',
    '/registry/.index.json.abc.tmp',
    '/registry/bundles/alpha/missing-2.0.0.tgz',
    '/registry/bundles/alpha/escape.tgz',
    '/registry/bundles/up/secret.tgz',
    '/registry/bundles/%2e%2e/%2e%2e/secret.tgz',
    '/registry/bundles/alpha%2f..%2f..%2f..%2fsecret.tgz',
    '/registry/bundles/alpha/..%5c..%5csecret.tgz',
    '/registry/%2e%2e/secret.tgz',
    '/registry/bundles/alpha/alpha-1.0.0.tgz%00.txt',
  ];
  for (const url of refused) {
    const res = await app.inject({ url });
    t.equal(res.statusCode, 404, url);
    t.notMatch(res.body, /TOP-SECRET-CONTENT/, `${url} leaks nothing`);
  }
});

t.test('no /registry routes without MODGATE_REGISTRY_DIR', async (t) => {
  const { app } = await buildTestApp(t);
  const res = await app.inject({ url: '/registry/index.json' });
  t.equal(res.statusCode, 404);
  t.equal(res.json().code, 'MODGATE_NOT_FOUND');
  t.match(res.json().message, /no route/);
});

t.test('registryFile accepts only the index and bundle files', async (t) => {
  t.equal(registryFile('index.json'), 'index.json');
  t.equal(registryFile('bundles/a/a-1.0.0+build.1.tgz'), 'bundles/a/a-1.0.0+build.1.tgz');
  t.equal(registryFile('bundles/a/a-1.0.0.tgz.sig'), 'bundles/a/a-1.0.0.tgz.sig');
  for (const bad of ['other.json', 'bundles/a/../../x.tgz', 'bundles//x.tgz', 'bundles/a/x.txt', 'x.tgz', 'bundles/.a/x.tgz', 'bundles/a\\x.tgz']) {
    t.equal(registryFile(bad), undefined, bad);
  }
});
