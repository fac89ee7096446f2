// kill -9 at every step of an install: a real child process installs version 2.0.0 into a
// data folder where 1.0.0 is installed and SIGKILLs itself between two durable steps. A real
// gateway started on that folder afterwards serves a whole version (1.0.0 before the state
// rename, 2.0.0 after it) and has removed every leftover.
import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { REPO_ROOT, buildTestApp } from '../helpers/app.js';
import pino from 'pino';
import { readManifest } from '../../src/core/manifest.js';
import { PluginStore } from '../../src/core/store.js';
import { tempDir, writeNativePlugin } from '../admin/helpers.js';

const CHILD = join(REPO_ROOT, 'test', 'store', 'crash-child.ts');

function runChild(args: string[]): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** What POST /plugins records for a first version (the HTTP path is tested elsewhere; this keeps the test fast). */
async function installFirstVersion(dataDir: string, dir: string): Promise<void> {
  const store = await PluginStore.open({ dataDir, keepVersions: 5, logger: pino({ level: 'silent' }) });
  const manifest = await readManifest(dir);
  const ingested = await store.ingest('versioned', manifest, dir, { maxBytes: 1 << 20, maxFiles: 16 });
  await store.commit((state) => {
    state.plugins.versioned = { active: '1.0.0', config: {}, versions: [ingested.record] };
  });
}

const CASES = [
  { point: 'mid-upload', serves: '1.0.0' },
  { point: 'artifacts-written', serves: '1.0.0' },
  { point: 'version-materialised', serves: '1.0.0' },
  { point: 'state-temp-written', serves: '1.0.0' },
  { point: 'state-renamed', serves: '2.0.0' },
] as const;

for (const { point, serves } of CASES) {
  t.test(`killed at ${point}: the gateway restarts serving ${serves}`, async (t) => {
    const dataDir = await tempDir(t);
    const root = await tempDir(t);
    await installFirstVersion(dataDir, await writeNativePlugin(root, { version: '1.0.0', marker: 1 }));
    const v2 = await writeNativePlugin(root, { version: '2.0.0', marker: 2 });
    const child = await runChild([dataDir, v2, point]);
    t.equal(child.signal, 'SIGKILL', `the child died at ${point} (${child.stderr.trim() || 'no stderr'})`);
    t.equal(child.stdout, '');

    const { app } = await buildTestApp(t, { dataDir, allowNativeUploads: true });
    const call = await app.inject({ method: 'POST', url: '/plugins/versioned/vectorize', payload: { texts: ['abc', 'de'] } });
    t.equal(call.statusCode, 200, call.body);
    t.same(call.json().vectors, [
      [3, Number(serves[0]), 0, 0],
      [2, Number(serves[0]), 0, 0],
    ]);
    t.equal(call.json().version, serves);
    t.same(await readdir(join(dataDir, 'tmp')), [], 'the interrupted upload is removed');
    t.notOk((await readdir(dataDir)).some((e) => e.startsWith('.tmp-')), 'no state temp file is left');
    t.notOk((await readdir(join(dataDir, 'artifacts', 'sha256'))).some((e) => e.startsWith('.tmp-')), 'no artifact temp file is left');
    const versions = (await readdir(join(dataDir, 'plugins', 'versioned'))).sort();
    t.same(versions, serves === '1.0.0' ? ['1.0.0'] : ['1.0.0', '2.0.0'], 'only recorded versions have folders');
  });
}
