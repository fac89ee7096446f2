// The durable store on its own: artifacts by content, version folders, atomic state writes,
// pruning, garbage collection, recovery from leftovers and from injected crashes.
import { chmod, mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import t from 'tap';
import { readManifest } from '../../src/core/manifest.js';
import { PluginStore, prune, type FaultPoint, type Ingested, type PluginRecord } from '../../src/core/store.js';
import { tempDir, writeNativePlugin } from '../admin/helpers.js';

const LIMITS = { maxBytes: 10 * 1024 * 1024, maxFiles: 64 };
const silent = pino({ level: 'silent' });

async function openStore(dataDir: string, options: { keepVersions?: number; faults?: (p: FaultPoint) => void } = {}) {
  return PluginStore.open({ dataDir, keepVersions: options.keepVersions ?? 5, logger: silent, faults: options.faults });
}

/** Ingests a native fixture version and records it as active (what an install does). */
async function install(store: PluginStore, root: string, version: string, marker: number): Promise<Ingested> {
  const dir = await writeNativePlugin(root, { version, marker });
  const manifest = await readManifest(dir);
  const ingested = await store.ingest('versioned', manifest, dir, LIMITS);
  await store.commit((state) => {
    const entry = state.plugins.versioned;
    const versions = [...(entry?.versions ?? []), ingested.record];
    state.plugins.versioned = { active: version, ...(entry ? { previous: entry.active } : {}), config: entry?.config ?? {}, versions };
  });
  ingested.pin.release();
  return ingested;
}

const ls = async (dir: string) => (await readdir(dir)).sort();

t.test('ingest + commit: artifacts by sha256, a loadable version folder, a 0600 state file; reopening reads it back', async (t) => {
  const dataDir = await tempDir(t);
  const root = await tempDir(t);
  const store = await openStore(dataDir);
  const ingested = await install(store, root, '1.0.0', 1);

  t.equal(ingested.dir, join(dataDir, 'plugins', 'versioned', '1.0.0'));
  t.same((await ls(ingested.dir)), ['index.js', 'plugin.yaml']);
  const manifest = await readManifest(ingested.dir);
  t.equal(manifest.metadata.version, '1.0.0');
  const artifacts = await ls(join(dataDir, 'artifacts', 'sha256'));
  t.same(artifacts, ingested.record.files.map((f) => f.sha256).sort(), 'one artifact per file, named by its sha256');
  for (const file of ingested.record.files) {
    const mode = (await stat(join(dataDir, 'artifacts', 'sha256', file.sha256))).mode & 0o777;
    t.equal(mode, 0o444, `artifact ${file.path} is read-only`);
  }
  t.equal((await stat(join(dataDir, 'state.json'))).mode & 0o777, 0o600, 'state file is owner-only');

  const reopened = await openStore(dataDir);
  t.same(reopened.plugin('versioned'), store.plugin('versioned'));
  t.equal(reopened.plugin('versioned')!.versions[0].digest, ingested.record.digest);
});

t.test('the same files give the same digest; different bytes a different one', async (t) => {
  const root = await tempDir(t);
  const store = await openStore(await tempDir(t));
  const a = await store.ingest('versioned', await readManifest(await writeNativePlugin(root, { version: '1.0.0', marker: 1 })), join(root, 'versioned-1.0.0'), LIMITS);
  const again = await store.ingest('versioned', await readManifest(join(root, 'versioned-1.0.0')), join(root, 'versioned-1.0.0'), LIMITS);
  t.equal(again.record.digest, a.record.digest);
  t.equal(again.created, false, 'the version folder already existed');
  const other = await writeNativePlugin(await tempDir(t), { version: '1.0.0', marker: 2 });
  const b = await store.ingest('versioned', await readManifest(other), other, LIMITS);
  t.not(b.record.digest, a.record.digest);
  for (const i of [a, again, b]) i.pin.release();
});

t.test('prune keeps the active version, then the previous one, then the newest', async (t) => {
  const record = (active: string, previous: string | undefined, versions: string[]): PluginRecord => ({
    active,
    ...(previous ? { previous } : {}),
    config: {},
    versions: versions.map((version) => ({ version, digest: '0'.repeat(64), type: 'vectorizer', runtime: 'native', installedAt: '', files: [] })),
  });
  const names = (r: PluginRecord) => r.versions.map((v) => v.version);

  const a = record('1', '5', ['1', '2', '3', '4', '5', '6']);
  prune(a, 3);
  t.same(names(a), ['1', '5', '6']);
  t.equal(a.previous, '5');

  const b = record('6', '5', ['1', '2', '3', '4', '5', '6']);
  prune(b, 2);
  t.same(names(b), ['5', '6']);

  const c = record('2', '1', ['1', '2', '3']);
  prune(c, 1);
  t.same(names(c), ['2'], 'keepVersions 1 keeps only the active version');
  t.equal(c.previous, undefined, 'and forgets a previous version it no longer has');
});

t.test('old versions beyond keepVersions are pruned and their files collected', async (t) => {
  const dataDir = await tempDir(t);
  const root = await tempDir(t);
  const store = await openStore(dataDir, { keepVersions: 2 });
  const first = await install(store, root, '1.0.0', 1);
  await install(store, root, '1.1.0', 2);
  await install(store, root, '1.2.0', 3);
  t.same(store.plugin('versioned')!.versions.map((v) => v.version), ['1.1.0', '1.2.0']);
  t.same(await ls(join(dataDir, 'plugins', 'versioned')), ['1.1.0', '1.2.0'], 'the pruned version folder is gone');
  const code = first.record.files.find((f) => f.path === 'index.js')!;
  const artifacts = await ls(join(dataDir, 'artifacts', 'sha256'));
  t.notOk(artifacts.includes(code.sha256), "the pruned version's own code artifact is collected");
  const manifestSha = first.record.files.find((f) => f.path === 'plugin.yaml')!.sha256;
  t.notOk(artifacts.includes(manifestSha), 'its manifest too (versions differ in their manifest)');
  t.equal(artifacts.length, 4, 'two files for each kept version');
});

t.test('removing a plugin from the state collects its files', async (t) => {
  const dataDir = await tempDir(t);
  const store = await openStore(dataDir);
  await install(store, await tempDir(t), '1.0.0', 1);
  await store.commit((state) => {
    delete state.plugins.versioned;
  });
  t.same(await ls(join(dataDir, 'artifacts', 'sha256')), []);
  t.same(await ls(join(dataDir, 'plugins')), ['package.json']);
});

t.test('opening removes what interrupted writes left behind, and nothing referenced', async (t) => {
  const dataDir = await tempDir(t);
  const store = await openStore(dataDir);
  const ingested = await install(store, await tempDir(t), '1.0.0', 1);
  // Leftovers of a process killed mid-upload, mid-artifact, mid-version-folder, mid-state-write.
  await mkdir(join(dataDir, 'tmp', 'upload-abc123', 'plugin'), { recursive: true });
  await writeFile(join(dataDir, 'tmp', 'upload-abc123', 'plugin', 'half.wasm'), 'half an upload');
  await writeFile(join(dataDir, 'artifacts', 'sha256', '.tmp-0123456789ab-99-ffff'), 'half an artifact');
  await writeFile(join(dataDir, 'artifacts', 'sha256', 'f'.repeat(64)), 'an artifact no version references');
  await mkdir(join(dataDir, 'plugins', 'versioned', '.tmp-2.0.0-99-ffff'), { recursive: true });
  await mkdir(join(dataDir, 'plugins', 'versioned', '2.0.0'), { recursive: true });
  await mkdir(join(dataDir, 'plugins', 'ghost', '1.0.0'), { recursive: true });
  await writeFile(join(dataDir, '.tmp-state.json-99-ffff'), '{"format": 1, "plugins": {');

  const reopened = await openStore(dataDir);
  t.same(await ls(join(dataDir, 'tmp')), []);
  t.same(await ls(join(dataDir, 'artifacts', 'sha256')), ingested.record.files.map((f) => f.sha256).sort());
  t.same(await ls(join(dataDir, 'plugins')), ['package.json', 'versioned']);
  t.same(await ls(join(dataDir, 'plugins', 'versioned')), ['1.0.0']);
  t.notOk((await ls(dataDir)).some((e) => e.startsWith('.tmp-')), 'state temp file removed');
  t.equal(reopened.plugin('versioned')!.active, '1.0.0');
  t.same(await ls(join(dataDir, 'plugins', 'versioned', '1.0.0')), ['index.js', 'plugin.yaml'], 'the live version is untouched');
});

t.test('a damaged or missing version folder is rebuilt from artifacts; a damaged artifact is reported', async (t) => {
  const dataDir = await tempDir(t);
  const store = await openStore(dataDir);
  const { record, dir } = await install(store, await tempDir(t), '1.0.0', 1);
  await writeFile(join(dir, 'index.js'), 'export default "tampered";');
  await store.materialise('versioned', record);
  t.match(await readFile(join(dir, 'index.js'), 'utf8'), /const MARKER = 1;/, 'rebuilt from the artifact');

  const code = record.files.find((f) => f.path === 'index.js')!;
  const artifact = join(dataDir, 'artifacts', 'sha256', code.sha256);
  await chmod(artifact, 0o644);
  await writeFile(artifact, 'bit rot');
  await writeFile(join(dir, 'index.js'), 'tampered again');
  await t.rejects(store.materialise('versioned', record), { code: 'MODGATE_PLUGIN_LOAD_FAILED', message: /index\.js is damaged/ });
});

t.test('a state file that is not valid is refused with a message saying what to do', async (t) => {
  const dataDir = await tempDir(t);
  await writeFile(join(dataDir, 'state.json'), '{"format": 1, "plugins": ');
  await t.rejects(openStore(dataDir), /state\.json is not valid JSON .*move it away/);
  await writeFile(join(dataDir, 'state.json'), '{"format": 7, "plugins": {}, "directoryConfig": {}}');
  await t.rejects(openStore(dataDir), /does not have the expected shape/);
});

t.test('a state file with loose permissions is tightened to 0600 on open', async (t) => {
  const dataDir = await tempDir(t);
  await writeFile(join(dataDir, 'state.json'), '{"format": 1, "plugins": {}, "directoryConfig": {}}', { mode: 0o644 });
  await chmod(join(dataDir, 'state.json'), 0o644);
  await openStore(dataDir);
  t.equal((await stat(join(dataDir, 'state.json'))).mode & 0o777, 0o600);
});

t.test('a failure at any point of an install leaves the previous state, which a reopen loads', async (t) => {
  const points: FaultPoint[] = ['artifacts-written', 'version-materialised', 'state-temp-written'];
  for (const point of points) {
    await t.test(point, async (t) => {
      const dataDir = await tempDir(t);
      const root = await tempDir(t);
      await install(await openStore(dataDir), root, '1.0.0', 1);
      const failing = await openStore(dataDir, {
        faults: (at) => {
          if (at === point) throw new Error(`injected failure at ${at}`);
        },
      });
      await t.rejects(install(failing, root, '2.0.0', 2), new RegExp(`injected failure at ${point}`));
      t.equal(failing.plugin('versioned')!.active, '1.0.0', 'the running store still says 1.0.0');

      const reopened = await openStore(dataDir);
      const record = reopened.plugin('versioned')!;
      t.equal(record.active, '1.0.0');
      t.same(record.versions.map((v) => v.version), ['1.0.0']);
      const dir = await reopened.materialise('versioned', record.versions[0]);
      t.equal((await readManifest(dir)).metadata.version, '1.0.0', 'the old version loads');
      t.same(await ls(join(dataDir, 'plugins', 'versioned')), ['1.0.0'], 'the half-installed version is collected');
      t.notOk((await ls(dataDir)).some((e) => e.startsWith('.tmp-')));
      t.equal((await ls(join(dataDir, 'artifacts', 'sha256'))).length, 2, 'only the old version’s artifacts remain');
    });
  }
});
