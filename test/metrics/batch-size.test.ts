// The coalesced batch sizes of a real gRPC plugin process: single-text calls that arrive
// together leave as fewer Embed calls, and /metrics and GET /plugins/:name say how many texts
// each call carried.
import t from 'tap';
import { BATCH_SIZE_BUCKETS } from '../../src/core/batch-sizes.js';
import { buildTestApp, bundledSubset } from '../helpers/app.js';
import { parseSamples, sampleValue } from './prometheus.js';

const PLUGIN = 'hash-embedder-grpc';

t.test('single-text calls to a gRPC vectorizer: batch sizes in /metrics and the plugin detail', async (t) => {
  const dir = await bundledSubset(t, [PLUGIN]);
  const { app } = await buildTestApp(t, { pluginsDirs: [dir] });
  const texts = Array.from({ length: 24 }, (_, i) => `text number ${i}`);
  const responses = await Promise.all(texts.map((text) => app.inject({ method: 'POST', url: `/plugins/${PLUGIN}/vectorize`, payload: { text } })));
  t.ok(responses.every((r) => r.statusCode === 200), 'every call succeeded');
  const batch = await app.inject({ method: 'POST', url: `/plugins/${PLUGIN}/vectorize`, payload: { texts: ['a', 'b', 'c'] } });
  t.equal(batch.statusCode, 200);

  const samples = parseSamples((await app.inject({ url: '/metrics' })).body);
  const series = { plugin: PLUGIN };
  const count = sampleValue(samples, 'modgate_coalesced_batch_size_count', series)!;
  t.equal(sampleValue(samples, 'modgate_coalesced_batch_size_sum', series), texts.length, 'every single text counted once; client batches are not coalesced');
  t.ok(count >= 1 && count < texts.length, `${texts.length} texts arriving together left as fewer Embed calls (${count})`);
  t.equal(sampleValue(samples, 'modgate_coalesced_batch_size_bucket', { ...series, le: '+Inf' }), count);
  const buckets = BATCH_SIZE_BUCKETS.map((le) => sampleValue(samples, 'modgate_coalesced_batch_size_bucket', { ...series, le: String(le) })!);
  t.ok(buckets.every((n, i) => i === 0 || n >= buckets[i - 1]), 'buckets are cumulative');
  t.equal(buckets.at(-1), count);
  t.ok(buckets[0] < count, 'some call carried more than one text');

  const detail = (await app.inject({ url: `/plugins/${PLUGIN}` })).json() as {
    runtimeInfo: { coalescing: { maxBatch: number; maxInFlight: number; batchSizes: { calls: number; texts: number } } };
  };
  t.match(detail.runtimeInfo.coalescing, { maxBatch: 64, maxInFlight: 2, batchSizes: { calls: count, texts: texts.length } });
});

t.test('coalescing off: no batch-size series and nothing in the detail', async (t) => {
  const dir = await bundledSubset(t, [PLUGIN]);
  const { app } = await buildTestApp(t, { pluginsDirs: [dir], coalesceBatch: 1 });
  const res = await app.inject({ method: 'POST', url: `/plugins/${PLUGIN}/vectorize`, payload: { text: 'one' } });
  t.equal(res.statusCode, 200);
  const samples = parseSamples((await app.inject({ url: '/metrics' })).body);
  t.equal(sampleValue(samples, 'modgate_coalesced_batch_size_count', { plugin: PLUGIN }), undefined);
  const detail = (await app.inject({ url: `/plugins/${PLUGIN}` })).json() as { runtimeInfo: Record<string, unknown> };
  t.notOk('coalescing' in detail.runtimeInfo);
});
