// Child process for crash.test.ts: installs a plugin version into the store at argv[2] from
// the folder argv[3], and kills itself with SIGKILL at the point argv[4] (a FaultPoint, or
// "mid-upload": half a file written into the upload staging folder).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { readManifest } from '../../src/core/manifest.js';
import { PluginStore, type FaultPoint } from '../../src/core/store.js';

const [dataDir, pluginDir, point] = process.argv.slice(2);
const die = () => process.kill(process.pid, 'SIGKILL');

const store = await PluginStore.open({
  dataDir,
  keepVersions: 5,
  logger: pino({ level: 'silent' }),
  faults: (at: FaultPoint) => {
    if (at === point) die();
  },
});
const staging = await store.createStaging();
if (point === 'mid-upload') {
  await writeFile(join(staging.dir, 'index.js'), 'export default { type: "vectoriz');
  die();
}
const manifest = await readManifest(pluginDir);
const ingested = await store.ingest(manifest.metadata.name, manifest, pluginDir, { maxBytes: 1 << 20, maxFiles: 16 });
await store.commit((state) => {
  const entry = state.plugins[manifest.metadata.name];
  entry.previous = entry.active;
  entry.active = manifest.metadata.version;
  entry.versions.push(ingested.record);
});
// Only reached when no fault point matched.
process.stdout.write('completed\n');
