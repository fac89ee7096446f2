// Many calls at once against WASM plugins over HTTP: correct answers, per-plugin concurrency
// from resources.cpu, the bounded queue (503 + Retry-After), instance reuse, and hot reload
// under load without a failed call.
import t from 'tap';
import { buildTestApp } from '../helpers/app.js';
import { errorOf, pluginsRoot } from './helpers.js';
import { parseSamples, sampleValue } from '../metrics/prometheus.js';

const encoder = new TextEncoder();
const markerConfig = 'marker: { type: integer, default: 1 }';

interface RuntimeInfo {
  running: number;
  queueDepth: number;
  concurrency: number;
  pool: { workersStarted: number; workersStopped: number; waiting: number };
}

t.test('many parallel calls, single and batch, each get their own correct answer', async (t) => {
  const root = await pluginsRoot(t, [{ name: 'counter-vectorizer', resources: { cpu: '4' }, configYaml: markerConfig }]);
  const { app } = await buildTestApp(t, { pluginsDirs: [root], wasmThreads: 4 });
  const texts = Array.from({ length: 120 }, (_, i) => `text number ${i} ${'é'.repeat(i % 7)}`);
  const responses = await Promise.all(
    texts.map((text, i) =>
      app.inject({
        method: 'POST',
        url: '/plugins/counter-vectorizer/vectorize',
        payload: i % 3 === 0 ? { texts: [text, `${text}!`] } : { text },
      }),
    ),
  );
  for (const [i, response] of responses.entries()) {
    t.equal(response.statusCode, 200, `call ${i}`);
    const body = response.json();
    const lengths = i % 3 === 0 ? body.vectors.map((v: number[]) => v[0]) : [body.vector[0]];
    const expected = i % 3 === 0 ? [texts[i], `${texts[i]}!`] : [texts[i]];
    t.same(lengths, expected.map((text) => encoder.encode(text).length), `call ${i} saw its own input`);
  }
  const info = app.gateway.manager.registry.get('counter-vectorizer')!.loaded!.describe!() as unknown as RuntimeInfo;
  t.equal(info.running, 0, 'nothing left running');
  t.ok(info.pool.workersStarted <= 4, 'never more workers than threads');
});

t.test('one worker: one instance serves every call (its counter keeps rising)', async (t) => {
  const root = await pluginsRoot(t, [{ name: 'counter-vectorizer', configYaml: markerConfig }]);
  const { app } = await buildTestApp(t, { pluginsDirs: [root], wasmThreads: 1 });
  const counts: number[] = [];
  for (let i = 0; i < 5; i++) {
    const response = await app.inject({ method: 'POST', url: '/plugins/counter-vectorizer/vectorize', payload: { text: 'abc' } });
    counts.push(response.json().vector[1]);
  }
  t.same(counts, [1, 2, 3, 4, 5]);
});

t.test('resources.cpu bounds a plugin’s concurrent calls, whatever the pool size', async (t) => {
  const root = await pluginsRoot(t, [
    { name: 'cpu-half', fixture: 'counter-vectorizer', resources: { cpu: '500m' } },
    { name: 'cpu-one', fixture: 'counter-vectorizer', resources: { cpu: '1000m' } },
    { name: 'cpu-two', fixture: 'counter-vectorizer', resources: { cpu: '2' } },
  ]);
  // One task per call (coalescing off), so the scheduler sees every call on its own.
  const { app } = await buildTestApp(t, { pluginsDirs: [root], wasmThreads: 4, coalesceBatch: 1 });
  for (const [name, limit] of [
    ['cpu-half', 1],
    ['cpu-one', 1],
    ['cpu-two', 2],
  ] as const) {
    const loaded = app.gateway.manager.registry.get(name)!.loaded!;
    const info = () => loaded.describe!() as unknown as RuntimeInfo;
    t.equal(info().concurrency, limit, `${name}: concurrency ${limit}`);
    // Four calls that each spin 150 ms: sample how many run at once while they are in flight.
    const calls = Array.from({ length: 4 }, () => app.inject({ method: 'POST', url: `/plugins/${name}/vectorize`, payload: { text: '150' } }));
    let settled = false;
    const all = Promise.all(calls).finally(() => (settled = true));
    let maxRunning = 0;
    let sawWaiting = false;
    while (!settled) {
      const now = info();
      maxRunning = Math.max(maxRunning, now.running);
      sawWaiting ||= now.queueDepth > 0;
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const responses = await all;
    t.ok(responses.every((r) => r.statusCode === 200), `${name}: every call succeeded`);
    t.equal(maxRunning, limit, `${name}: at most ${limit} ran at once, and ${limit} did`);
    t.ok(sawWaiting, `${name}: the others waited`);
  }
});

t.test('a full queue answers 503 MODGATE_OVERLOADED with Retry-After; waiting counts against the timeout', async (t) => {
  const root = await pluginsRoot(t, [{ name: 'counter-vectorizer', resources: { timeout: '1s' } }]);
  const { app } = await buildTestApp(t, { pluginsDirs: [root], wasmThreads: 1, wasmQueue: 2, coalesceBatch: 1 });
  const call = (text: string) => app.inject({ method: 'POST', url: '/plugins/counter-vectorizer/vectorize', payload: { text } });
  // One runs, two wait, the rest are turned away at once.
  const responses = await Promise.all(['300', '0', '0', '0', '0', '0'].map(call));
  const statuses = responses.map((r) => r.statusCode);
  t.same(statuses.filter((s) => s === 200).length, 3, '1 running + 2 queued succeed');
  const rejected = responses.filter((r) => r.statusCode === 503);
  t.equal(rejected.length, 3);
  for (const response of rejected) {
    t.equal(errorOf(response).code, 'MODGATE_OVERLOADED');
    t.equal(response.headers['retry-after'], '1');
  }
  // A call stuck behind one that outlives the time cap times out too: its wait counted.
  const [slow, behind] = await Promise.all([call('1500'), call('0')]);
  t.equal(slow.statusCode, 504);
  t.equal(behind.statusCode, 504, 'the waiting call was cut off at its own time cap');
  t.equal(errorOf(behind).code, 'MODGATE_PLUGIN_TIMEOUT');
  const info = app.gateway.manager.registry.get('counter-vectorizer')!.loaded!.describe!() as unknown as RuntimeInfo;
  t.equal(info.queueDepth, 0, 'the timed-out waiter left the queue');
  t.equal((await call('x')).statusCode, 200, 'the plugin serves again');
});

t.test('single-text calls that arrive together reach the plugin as one batch call', async (t) => {
  const root = await pluginsRoot(t, [{ name: 'counter-vectorizer', configYaml: markerConfig }]);
  const texts = Array.from({ length: 16 }, (_, i) => 'x'.repeat(i + 1));
  // The counter-vectorizer's second component counts the calls its instance served.
  const servedBy = async (coalesceBatch: number) => {
    const { app } = await buildTestApp(t, { pluginsDirs: [root], wasmThreads: 1, coalesceBatch });
    const responses = await Promise.all(
      texts.map((text) => app.inject({ method: 'POST', url: '/plugins/counter-vectorizer/vectorize', payload: { text } })),
    );
    t.ok(responses.every((r) => r.statusCode === 200), `coalesceBatch ${coalesceBatch}: every call succeeded`);
    const vectors = responses.map((r) => (r.json() as { vector: number[] }).vector);
    t.same(vectors.map((v) => v[0]), texts.map((text) => text.length), `coalesceBatch ${coalesceBatch}: each caller got its own vector`);
    const pluginCalls = new Set(vectors.map((v) => v[1])).size;
    const samples = parseSamples((await app.inject({ url: '/metrics' })).body);
    const series = { plugin: 'counter-vectorizer' };
    if (coalesceBatch > 1) {
      t.equal(sampleValue(samples, 'modgate_coalesced_batch_size_count', series), pluginCalls, '/metrics counts the plugin calls the plugin itself counted');
      t.equal(sampleValue(samples, 'modgate_coalesced_batch_size_sum', series), texts.length, '/metrics counts every text once');
    } else {
      t.equal(sampleValue(samples, 'modgate_coalesced_batch_size_count', series), undefined, 'coalescing off: no batch-size series');
    }
    return pluginCalls;
  };
  t.ok((await servedBy(64)) < texts.length, 'coalesced: fewer plugin calls than HTTP calls');
  t.equal(await servedBy(1), texts.length, 'coalescing off: one plugin call per HTTP call');
});

t.test('reloading a WASM plugin under concurrent calls fails no call', async (t) => {
  const root = await pluginsRoot(t, [{ name: 'counter-vectorizer', resources: { cpu: '4' }, configYaml: markerConfig }]);
  const { app } = await buildTestApp(t, { pluginsDirs: [root], wasmThreads: 4 });
  const { manager, operations } = app.gateway;
  let running = true;
  const failures: unknown[] = [];
  const markers = new Set<number>();
  const loop = async () => {
    while (running) {
      try {
        const { vectors } = await operations.vectorize('counter-vectorizer', ['abc', 'de']);
        if (vectors[0][2] !== vectors[1][2]) failures.push(new Error('one call answered by two versions'));
        markers.add(vectors[0][2]);
      } catch (err) {
        failures.push(err);
      }
    }
  };
  const loops = Array.from({ length: 8 }, loop);
  for (let marker = 2; marker <= 6; marker++) {
    const previous = manager.registry.get('counter-vectorizer')!;
    await manager.reload('counter-vectorizer', undefined, { config: { marker } });
    t.equal(previous.state, 'stopped', `version before marker ${marker} drained and stopped`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  running = false;
  await Promise.all(loops);
  t.same(failures, [], 'no call failed');
  t.ok(markers.has(6), 'the last version answered');
  const response = await app.inject({ method: 'POST', url: '/plugins/counter-vectorizer/vectorize', payload: { text: 'x' } });
  t.equal(response.json().vector[2], 6);
});
