// POST /plugins/:name/reload on a native plugin runs the module's new code: the runtime imports
// the file under a fresh URL each load (src/runtimes/native/native-runtime.ts), so Node's
// module cache does not hand back the old module. The plugin is a copy of
// test/fixtures/native/echo-vectorizer in a temporary folder, rewritten in place.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { FIXTURES, adminHeaders, buildTestApp } from '../helpers/app.js';

const ORIGINAL_LINE = 'return new Float32Array([text.length, config.marker, 0, 0]);';

t.test('reload picks up the rewritten module', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'modgate-native-reload-'));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  const dir = join(root, 'echo-vectorizer');
  await cp(join(FIXTURES, 'native', 'echo-vectorizer'), dir, { recursive: true });
  // Outside the repository nothing says .js is an ES module (the store does the same for its copies).
  await writeFile(join(root, 'package.json'), '{ "type": "module" }\n');
  const file = join(dir, 'index.js');
  const original = await readFile(file, 'utf8');
  t.ok(original.includes(ORIGINAL_LINE), 'the fixture has the line this test rewrites');

  const { app } = await buildTestApp(t, { pluginsDirs: [root] });
  const vectorize = (text: string) => app.inject({ method: 'POST', url: '/plugins/echo-vectorizer/vectorize', payload: { text } });
  const reload = () => app.inject({ method: 'POST', url: '/plugins/echo-vectorizer/reload', headers: adminHeaders });

  const before = await vectorize('abc');
  t.equal(before.statusCode, 200);
  t.same(before.json().vector, [3, 1, 0, 0], 'the original code answers');

  // New, valid behaviour in the same file: the third component becomes a marker of the rewrite.
  await writeFile(file, original.replace(ORIGINAL_LINE, 'return new Float32Array([text.length * 10, config.marker, 7, 0]);'));
  t.same((await vectorize('abc')).json().vector, [3, 1, 0, 0], 'rewriting the file alone changes nothing');

  const firstHandle = app.gateway.manager.registry.get('echo-vectorizer');
  const reloaded = await reload();
  t.equal(reloaded.statusCode, 200);
  t.match(reloaded.json(), { name: 'echo-vectorizer', state: 'ready', runtime: 'native' });
  t.not(app.gateway.manager.registry.get('echo-vectorizer'), firstHandle, 'a new handle is active');
  t.equal(firstHandle?.state, 'stopped', 'the old version was stopped');

  const after = await vectorize('abc');
  t.equal(after.statusCode, 200);
  t.same(after.json().vector, [30, 1, 7, 0], 'the new code answers');
  const batch = await app.inject({ method: 'POST', url: '/plugins/echo-vectorizer/vectorize', payload: { texts: ['a', 'bb'] } });
  t.same(batch.json().vectors, [[10, 1, 7, 0], [20, 1, 7, 0]], 'batches too');

  // A second rewrite and reload: each reload imports afresh, not just the first one.
  await writeFile(file, original.replace(ORIGINAL_LINE, 'return new Float32Array([0, 0, 0, text.length]);'));
  t.equal((await reload()).statusCode, 200);
  t.same((await vectorize('abc')).json().vector, [0, 0, 0, 3], 'the third version answers');

  // Back to the original bytes: the original behaviour again, not a cached later module.
  await writeFile(file, original);
  t.equal((await reload()).statusCode, 200);
  t.same((await vectorize('abc')).json().vector, [3, 1, 0, 0], 'the original code answers again');
});
