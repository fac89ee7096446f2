// Hostile WASM modules over HTTP against one gateway: each misbehaviour gets its exact status
// and code, and the gateway then still answers a healthy WASM plugin correctly.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { adminHeaders, buildTestApp } from '../helpers/app.js';
import { errorOf, pluginsRoot } from './helpers.js';

const TEXT = 'héllo wörld';
/** resources.timeout of the infinite-loop plugin. */
const INFINITE_LOOP_TIMEOUT_MS = 500;

const root = await pluginsRoot(t, [
  { name: 'counter-vectorizer', configYaml: 'marker: { type: integer, default: 5 }' },
  { name: 'infinite-loop', resources: { timeout: `${INFINITE_LOOP_TIMEOUT_MS}ms` } },
  { name: 'memory-bomb', resources: { memory: '2Mi' } },
  { name: 'trap' },
  { name: 'stack-overflow' },
  { name: 'bad-output' },
  { name: 'garbage-json-reranker', type: 'reranker' },
  { name: 'forbidden-import' },
  { name: 'missing-export' },
  { name: 'big-initial-memory' },
  { name: 'malformed', bytes: new TextEncoder().encode('this is not a wasm module at all') },
]);
// Bytes with a valid header whose first section runs past the end of the file.
await writeFile(join(root, 'malformed', 'module.wasm'), Uint8Array.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 0x7f, 0x60]));

const { app, logs } = await buildTestApp(t, { pluginsDirs: [root], wasmThreads: 2, loadTimeoutMs: 20_000 });

async function vectorize(name: string, body: Record<string, unknown>) {
  return app.inject({ method: 'POST', url: `/plugins/${name}/vectorize`, payload: body });
}

/** The healthy plugin still answers correctly (its vector: [bytes, calls, marker, 0]). */
async function assertHealthy(t: Test) {
  const response = await vectorize('counter-vectorizer', { text: TEXT });
  t.equal(response.statusCode, 200, 'healthy plugin answers 200');
  const vector = response.json().vector as number[];
  t.equal(vector[0], new TextEncoder().encode(TEXT).length, 'healthy plugin saw the UTF-8 input');
  t.equal(vector[2], 5, 'healthy plugin has its config');
}

function runtimeInfo(name: string) {
  return app.gateway.manager.registry.get(name)!.loaded!.describe!() as {
    workerRestarts: number;
    pool: { workersStarted: number; workersStopped: number };
  };
}

t.test('the healthy plugin works, with its log lines tagged with its name', async (t) => {
  await assertHealthy(t);
  // Log lines travel beside the result (the worker posts them as they are written): poll.
  let line: string | undefined;
  for (let i = 0; i < 200 && !line; i++) {
    line = logs()
      .split('\n')
      .find((l) => l.includes('vectorize called'));
    if (!line) await new Promise((r) => setTimeout(r, 10));
  }
  t.ok(line, 'mg.log reached the gateway log');
  t.match(JSON.parse(line!), { plugin: 'counter-vectorizer', msg: 'vectorize called' });
});

t.test('infinite loop: 504 MODGATE_PLUGIN_TIMEOUT, its worker is replaced, the next call succeeds', async (t) => {
  const before = runtimeInfo('infinite-loop').pool.workersStopped;
  const started = performance.now();
  const response = await vectorize('infinite-loop', { text: 'spin' });
  const elapsed = performance.now() - started;
  t.equal(response.statusCode, 504);
  t.equal(errorOf(response).code, 'MODGATE_PLUGIN_TIMEOUT');
  t.match(errorOf(response).message, /within 500 ms/);
  // Bounds for correctness, not performance figures: the call is not cut off before its time
  // cap, and it does not hang past it (3 s of slack for a loaded machine).
  t.ok(elapsed >= INFINITE_LOOP_TIMEOUT_MS - 50, `not cut off early (${Math.round(elapsed)} ms)`);
  t.ok(elapsed < INFINITE_LOOP_TIMEOUT_MS + 3000, `answered after ${Math.round(elapsed)} ms, under ${INFINITE_LOOP_TIMEOUT_MS} + 3000 ms`);
  t.equal(runtimeInfo('infinite-loop').workerRestarts, 1, 'the aborted call cost one worker');
  await assertHealthy(t);
  const after = runtimeInfo('infinite-loop').pool;
  t.ok(after.workersStopped > before, 'the looping worker was terminated');
  const again = await vectorize('infinite-loop', { text: 'spin' });
  t.equal(again.statusCode, 504, 'the plugin is still cut off on the next call');
  await assertHealthy(t);
});

t.test('memory bomb: 502 MODGATE_PLUGIN_MEMORY_LIMIT naming the cap, whether it reports or traps', async (t) => {
  const reported = await vectorize('memory-bomb', { text: 'grow' });
  t.equal(reported.statusCode, 502);
  t.equal(errorOf(reported).code, 'MODGATE_PLUGIN_MEMORY_LIMIT');
  t.match(errorOf(reported).message, /memory cap of 2 MiB/);
  t.match(errorOf(reported).message, /out of memory/, 'the plugin’s own message is kept');
  const trapped = await vectorize('memory-bomb', { texts: ['grow', 'more'] });
  t.equal(trapped.statusCode, 502);
  t.equal(errorOf(trapped).code, 'MODGATE_PLUGIN_MEMORY_LIMIT');
  await assertHealthy(t);
});

t.test('trap: 502 MODGATE_PLUGIN_CRASHED; the instance is replaced and the plugin keeps serving errors cleanly', async (t) => {
  const unreachable = await vectorize('trap', { text: 'x' });
  t.equal(unreachable.statusCode, 502);
  t.equal(errorOf(unreachable).code, 'MODGATE_PLUGIN_CRASHED');
  t.match(errorOf(unreachable).message, /trapped in mg_vectorize: unreachable/);
  const divide = await vectorize('trap', { texts: ['a', 'b'] });
  t.equal(errorOf(divide).code, 'MODGATE_PLUGIN_CRASHED');
  t.match(errorOf(divide).message, /divide by zero/);
  await assertHealthy(t);
});

t.test('stack overflow: 502 MODGATE_PLUGIN_CRASHED', async (t) => {
  const response = await vectorize('stack-overflow', { text: 'deep' });
  t.equal(response.statusCode, 502);
  t.equal(errorOf(response).code, 'MODGATE_PLUGIN_CRASHED');
  t.match(errorOf(response).message, /overflowed its stack/);
  await assertHealthy(t);
});

t.test('lying outputs: 502 MODGATE_PLUGIN_BAD_OUTPUT, never a crash', async (t) => {
  const cases: Array<[string, RegExp]> = [
    ['huge length', /\(ptr=1024, len=4294967040\), outside its 65536-byte memory/],
    ['out-of-bounds pointer', /\(ptr=4294901760, len=16\), outside its/],
    ['short vector', /returned 8 bytes; 1 vector\(s\) of 4 float32 are 16 bytes/],
  ];
  for (const [text, message] of cases) {
    const response = await vectorize('bad-output', { text });
    t.equal(response.statusCode, 502, text);
    t.equal(errorOf(response).code, 'MODGATE_PLUGIN_BAD_OUTPUT', text);
    t.match(errorOf(response).message, message, text);
  }
  const silent = await vectorize('bad-output', { text: 'error' });
  t.equal(errorOf(silent).code, 'MODGATE_PLUGIN_ERROR', 'an error return is a plugin error');
  t.match(errorOf(silent).message, /failed in mg_vectorize: no message/);
  const fine = await vectorize('bad-output', { text: 'fine' });
  t.same(fine.json().vector, [0, 0, 0, 0], 'the same instance still answers correctly');
  const garbage = await app.inject({
    method: 'POST',
    url: '/plugins/garbage-json-reranker/rerank',
    payload: { query: 'q', documents: ['a', 'b'] },
  });
  t.equal(garbage.statusCode, 502);
  t.equal(errorOf(garbage).code, 'MODGATE_PLUGIN_BAD_OUTPUT');
  t.match(errorOf(garbage).message, /mg_rerank returned invalid JSON/);
  await assertHealthy(t);
});

t.test('modules refused at load: failed with the reason, 503 when called, 422 on reload', async (t) => {
  const refusals: Array<[string, RegExp]> = [
    ['forbidden-import', /imports "env"\."abort" \(function\), which the sandbox does not provide/],
    ['missing-export', /lacks the export "mg_vectorize_batch" that a vectorizer plugin needs/],
    ['big-initial-memory', /starts at 2048 pages \(128 MiB\), above the memory cap of 1024 pages \(64 MiB\)/],
    ['malformed', /malformed module at byte \d+: section 1 claims 127 bytes/],
  ];
  for (const [name, reason] of refusals) {
    const detail = await app.inject({ url: `/plugins/${name}` });
    t.equal(detail.json().state, 'failed', `${name} is failed`);
    t.match(detail.json().failure, reason, `${name}: the failure says why`);
    const call = await vectorize(name, { text: 'x' });
    t.equal(call.statusCode, 503, `${name}: calls get 503`);
    t.equal(errorOf(call).code, 'MODGATE_PLUGIN_UNAVAILABLE');
    const reload = await app.inject({ method: 'POST', url: `/plugins/${name}/reload`, headers: adminHeaders });
    t.equal(reload.statusCode, 422, `${name}: reload is refused`);
    t.equal(errorOf(reload).code, 'MODGATE_PLUGIN_LOAD_FAILED');
    t.match(errorOf(reload).message, reason);
  }
  const garbage = new TextEncoder().encode('this is not a wasm module at all');
  await writeFile(join(root, 'malformed', 'module.wasm'), garbage);
  const reload = await app.inject({ method: 'POST', url: '/plugins/malformed/reload', headers: adminHeaders });
  t.equal(reload.statusCode, 422);
  t.match(errorOf(reload).message, /not a WebAssembly module/);
  await assertHealthy(t);
});
