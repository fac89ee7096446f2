import t from 'tap';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import plugin from '../../plugins/fs-storage/src/index.js';
import { resolveRoot } from '../../plugins/fs-storage/src/config.js';
import { fileNameFor, validateKey } from '../../plugins/fs-storage/src/keys.js';
import type { PluginLogger, Storage } from '../../sdk/typescript/src/index.js';

const silent: PluginLogger = { debug() {}, info() {}, warn() {}, error() {} };
const ctx = () => ({ signal: new AbortController().signal, timeoutMs: 5000 });
const bytes = (text: string) => new TextEncoder().encode(text);

async function makeStore(dataDir: string, config: Record<string, unknown> = {}): Promise<{ store: Storage; dataDir: string }> {
  const store = await plugin.create({ config, log: silent, dataDir });
  return { store, dataDir };
}

/** Every file under dir, as paths relative to base. */
async function filesUnder(dir: string, base = dir): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(full, base)));
    else out.push(relative(base, full));
  }
  return out;
}

t.test('put/get roundtrip keeps every byte and the content type', async (t) => {
  const { store } = await makeStore(t.testdir({}));
  const value = new Uint8Array(256).map((_, i) => i); // 0x00..0xff, including NUL and invalid UTF-8
  await store.put('bin/all-bytes', { value, contentType: 'application/x-test' }, ctx());
  const got = await store.get('bin/all-bytes', ctx());
  t.ok(got);
  t.same(Array.from(got!.value), Array.from(value));
  t.equal(got!.contentType, 'application/x-test');
  t.ok(got!.value instanceof Uint8Array);
});

t.test('empty values and the default content type', async (t) => {
  const { store } = await makeStore(t.testdir({}));
  await store.put('empty', { value: new Uint8Array(0), contentType: '' }, ctx());
  t.same(await store.get('empty', ctx()), { value: new Uint8Array(0), contentType: 'application/octet-stream' });
  await t.rejects(store.put('bad-type', { value: bytes('x'), contentType: 'text/plain\r\nX-Evil: 1' }, ctx()), {
    code: 'MODGATE_VALIDATION',
  });
});

t.test('overwrite replaces value and content type', async (t) => {
  const { store } = await makeStore(t.testdir({}));
  await store.put('doc', { value: bytes('first version, longer'), contentType: 'text/plain' }, ctx());
  await store.put('doc', { value: bytes('{"v":2}'), contentType: 'application/json' }, ctx());
  const got = await store.get('doc', ctx());
  t.equal(new TextDecoder().decode(got!.value), '{"v":2}');
  t.equal(got!.contentType, 'application/json');
  t.same(await store.list('', 10, ctx()), [{ key: 'doc', size: 7, contentType: 'application/json' }]);
});

t.test('get of a missing key is null; delete reports whether it existed', async (t) => {
  const { store } = await makeStore(t.testdir({}));
  t.equal(await store.get('nope', ctx()), null);
  await store.put('here', { value: bytes('x'), contentType: 'text/plain' }, ctx());
  t.equal(await store.delete('here', ctx()), true);
  t.equal(await store.delete('here', ctx()), false);
  t.equal(await store.get('here', ctx()), null);
});

t.test('list filters by prefix, sorts by key and honours limit', async (t) => {
  const { store } = await makeStore(t.testdir({}));
  for (const key of ['b/2', 'a/3', 'b/1', 'a/1', 'c', 'b/10', 'a/2']) {
    await store.put(key, { value: bytes(key + key), contentType: 'text/plain' }, ctx());
  }
  t.same(
    (await store.list('', 100, ctx())).map((o) => o.key),
    ['a/1', 'a/2', 'a/3', 'b/1', 'b/10', 'b/2', 'c'],
  );
  t.same(await store.list('b/', 2, ctx()), [
    { key: 'b/1', size: 6, contentType: 'text/plain' },
    { key: 'b/10', size: 8, contentType: 'text/plain' },
  ]);
  t.same(await store.list('zzz', 10, ctx()), []);
  t.same(await store.list('a/', 0, ctx()), []);
  await t.rejects(store.list('', -1, ctx()), { code: 'MODGATE_VALIDATION' });
  await t.rejects(store.list('', 1.5, ctx()), { code: 'MODGATE_VALIDATION' });
});

t.test('path-traversal-looking keys are plain keys and stay inside dataDir', async (t) => {
  const outer = t.testdir({ data: {}, 'sentinel.txt': 'untouched' });
  const dataDir = join(outer, 'data');
  const store = await plugin.create({ config: {}, log: silent, dataDir });
  const keys = ['../sentinel.txt', '../../etc/passwd', '/etc/passwd', 'a/../../b', '..', '.', 'C:\\Windows\\x', 'ünï/cødé 🚀'];
  for (const key of keys) await store.put(key, { value: bytes(`value of ${key}`), contentType: 'text/plain' }, ctx());

  t.same(await readdir(outer).then((names) => names.sort()), ['data', 'sentinel.txt'], 'nothing written beside dataDir');
  t.equal(await readFile(join(outer, 'sentinel.txt'), 'utf8'), 'untouched');
  const files = await filesUnder(dataDir);
  t.equal(files.length, keys.length, 'one file per key, all under dataDir');
  t.ok(files.every((f) => /^objects\/[0-9a-f]{2}\/[0-9a-f]{64}$/.test(f.split('\\').join('/'))), 'file names encode the key');
  t.ok(files.some((f) => f.endsWith(fileNameFor('../../etc/passwd'))));

  for (const key of keys) t.equal(new TextDecoder().decode((await store.get(key, ctx()))!.value), `value of ${key}`);
  t.same((await store.list('..', 10, ctx())).map((o) => o.key), ['..', '../../etc/passwd', '../sentinel.txt']);
});

t.test('invalid keys are refused', async (t) => {
  const { store } = await makeStore(t.testdir({}));
  const value = { value: bytes('x'), contentType: 'text/plain' };
  await t.rejects(store.put('', value, ctx()), { code: 'MODGATE_VALIDATION', message: /1\.\.512/ });
  await t.rejects(store.put('a\0b', value, ctx()), { code: 'MODGATE_VALIDATION', message: /NUL/ });
  await t.rejects(store.put('x'.repeat(513), value, ctx()), { code: 'MODGATE_VALIDATION' });
  await t.rejects(store.put('\ud800', value, ctx()), { code: 'MODGATE_VALIDATION', message: /UTF-8/ });
  await t.rejects(store.get('', ctx()), { code: 'MODGATE_VALIDATION' });
  await t.rejects(store.delete('a\0', ctx()), { code: 'MODGATE_VALIDATION' });
  await t.rejects(store.list('a\0', 10, ctx()), { code: 'MODGATE_VALIDATION', message: /list prefix/ });
  // 512 characters is fine, even when they take 4 UTF-8 bytes each
  await store.put('🚀'.repeat(512), value, ctx());
  t.ok(await store.get('🚀'.repeat(512), ctx()));
  t.equal(validateKey('x'.repeat(512)), 'x'.repeat(512));
});

t.test('maxObjectBytes caps puts', async (t) => {
  const { store } = await makeStore(t.testdir({}), { maxObjectBytes: 10 });
  await store.put('fits', { value: new Uint8Array(10), contentType: 'text/plain' }, ctx());
  await t.rejects(store.put('too-big', { value: new Uint8Array(11), contentType: 'text/plain' }, ctx()), {
    code: 'MODGATE_PAYLOAD_TOO_LARGE',
    statusCode: 413,
    message: /11 bytes.*at most 10/,
  });
  t.equal(await store.get('too-big', ctx()), null);
});

t.test('the root config selects a subfolder that may not leave dataDir', async (t) => {
  const { store, dataDir } = await makeStore(t.testdir({}), { root: 'nested/store' });
  await store.put('k', { value: bytes('v'), contentType: 'text/plain' }, ctx());
  t.equal((await filesUnder(join(dataDir, 'nested/store', 'objects'))).length, 1);
  t.throws(() => resolveRoot('/data/p', '../other'), { code: 'MODGATE_CONFIG_INVALID', message: /leaves/ });
  t.throws(() => resolveRoot('/data/p', '/etc'), { code: 'MODGATE_CONFIG_INVALID' });
  t.throws(() => resolveRoot('/data/p', 'a\\b'), { code: 'MODGATE_CONFIG_INVALID' });
  t.equal(resolveRoot('/data/p', 'x/../y'), '/data/p/y');
  t.equal(resolveRoot('/data/p', undefined), '/data/p');
  await t.rejects(
    plugin.create({ config: { maxObjectBytes: 0 }, log: silent, dataDir: t.testdir({}) }) as Promise<unknown>,
    { code: 'MODGATE_CONFIG_INVALID', message: /maxObjectBytes/ },
  );
});

t.test('objects survive a new instance; stale temp files are cleaned up', async (t) => {
  const dataDir = t.testdir({});
  const first = await plugin.create({ config: {}, log: silent, dataDir });
  await first.put('kept', { value: bytes('still here'), contentType: 'text/plain' }, ctx());
  await mkdir(join(dataDir, 'tmp'), { recursive: true });
  await writeFile(join(dataDir, 'tmp', 'crashed.tmp'), 'half a write');

  const second = await plugin.create({ config: {}, log: silent, dataDir });
  t.equal(new TextDecoder().decode((await second.get('kept', ctx()))!.value), 'still here');
  t.same(await readdir(join(dataDir, 'tmp')), []);
  t.same(await (second as { health(): Promise<unknown> }).health(), { healthy: true, detail: `storing under ${dataDir}` });
});

t.test('an aborted put writes nothing', async (t) => {
  const { store, dataDir } = await makeStore(t.testdir({}));
  await t.rejects(
    store.put('k', { value: bytes('v'), contentType: 'text/plain' }, { signal: AbortSignal.abort(), timeoutMs: 1 }),
  );
  t.equal(await store.get('k', ctx()), null);
  t.same(await filesUnder(dataDir), []);
});
