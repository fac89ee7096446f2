import t from 'tap';
import type { CallContext, Vectorizer } from '../../src/core/types.js';
import { BATCH_SIZE_BUCKETS, BatchSizes, readBatchSizes } from '../../src/core/batch-sizes.js';
import { COALESCE_MAX_BATCH, coalesceVectorize, coalescingFor, describeCoalescing, type Coalescing } from '../../src/runtimes/coalesce.js';

/** A small vectorizer that records how it was called: vector = [length, first char code]. */
function recording(options: { failOn?: string; hangBatches?: boolean } = {}) {
  const calls: Array<{ kind: 'one' | 'batch'; texts: string[]; signal: AbortSignal }> = [];
  const embed = (text: string) => {
    if (text === options.failOn) throw new Error(`cannot embed ${text}`);
    return Float32Array.of(text.length, text.charCodeAt(0));
  };
  const inner: Vectorizer = {
    dimensions: 2,
    async vectorize(text, ctx) {
      calls.push({ kind: 'one', texts: [text], signal: ctx.signal });
      return embed(text);
    },
    async vectorizeBatch(texts, ctx) {
      calls.push({ kind: 'batch', texts, signal: ctx.signal });
      if (options.hangBatches) {
        return new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true }));
      }
      return texts.map(embed);
    },
  };
  return { inner, calls };
}

/** Coalescing of up to maxBatch texts, with room for many batches in flight unless told. */
const settings = (maxBatch: number, maxInFlight = 8): Coalescing => ({ maxBatch, maxInFlight, sizes: new BatchSizes() });

const ctx = (signal = new AbortController().signal): CallContext => ({ signal, timeoutMs: 1000 });

t.test('calls in the same turn become one batch call, each caller gets its own vector', async (t) => {
  const { inner, calls } = recording();
  const v = coalesceVectorize(inner, settings(64));
  const texts = Array.from({ length: 10 }, (_, i) => `text ${'x'.repeat(i)}`);
  const vectors = await Promise.all(texts.map((text) => v.vectorize(text, ctx())));
  t.same(calls.map((c) => [c.kind, c.texts.length]), [['batch', 10]]);
  t.same(calls[0].texts, texts, 'in arrival order');
  t.same(vectors.map((x) => Array.from(x)), texts.map((text) => [text.length, text.charCodeAt(0)]));
  t.equal(v.dimensions, 2);
});

t.test('a lone call goes to the plugin as a single call; batches pass through', async (t) => {
  const { inner, calls } = recording();
  const v = coalesceVectorize(inner, settings(64));
  t.same(Array.from(await v.vectorize('abc', ctx())), [3, 97]);
  t.same(Array.from((await v.vectorizeBatch(['a', 'bb'], ctx()))[1]), [2, 98]);
  t.same(calls.map((c) => [c.kind, c.texts]), [['one', ['abc']], ['batch', ['a', 'bb']]]);
});

t.test('batches are cut at maxBatch', async (t) => {
  const { inner, calls } = recording();
  const v = coalesceVectorize(inner, settings(4));
  await Promise.all(Array.from({ length: 10 }, (_, i) => v.vectorize(`t${i}`, ctx())));
  t.same(calls.map((c) => c.texts.length), [4, 4, 2]);
});

t.test('settings for a plugin: the smaller of the two batch caps, one batch in flight per core plus one', async (t) => {
  t.equal(coalescingFor(undefined, 1000).maxBatch, COALESCE_MAX_BATCH);
  t.equal(coalescingFor(8, 1000).maxBatch, 8);
  t.equal(coalescingFor(10_000, 1000).maxBatch, COALESCE_MAX_BATCH);
  t.equal(coalescingFor(undefined, 1000, 16).maxBatch, 16, 'MODGATE_COALESCE_BATCH');
  t.equal(coalescingFor(undefined, 500).maxInFlight, 2);
  t.equal(coalescingFor(undefined, 1000).maxInFlight, 2);
  t.equal(coalescingFor(undefined, 4000).maxInFlight, 5);
  t.equal(describeCoalescing(coalescingFor(undefined, 1000, 1)), undefined, 'coalescing off: nothing to describe');
  const described = describeCoalescing(coalescingFor(32, 2000));
  t.match(described, { maxBatch: 32, maxInFlight: 3 });
  t.same(readBatchSizes(JSON.parse(JSON.stringify(described!.batchSizes))), { buckets: BATCH_SIZE_BUCKETS.map(() => 0), calls: 0, texts: 0 }, 'reads back after JSON');
});

t.test('with the batches in flight at the limit, new calls wait and leave together when one returns', async (t) => {
  const releases: Array<() => void> = [];
  const sent: string[][] = [];
  const inner: Vectorizer = {
    dimensions: 1,
    async vectorize(text) {
      sent.push([text]);
      await new Promise<void>((resolve) => releases.push(resolve));
      return Float32Array.of(text.length);
    },
    async vectorizeBatch(texts) {
      sent.push(texts);
      await new Promise<void>((resolve) => releases.push(resolve));
      return texts.map((text) => Float32Array.of(text.length));
    },
  };
  const s = settings(64, 1);
  const v = coalesceVectorize(inner, s);
  const first = v.vectorize('a', ctx());
  await new Promise((resolve) => setImmediate(resolve));
  t.same(sent, [['a']], 'a lone call on an idle plugin leaves at once');
  const later = ['bb', 'ccc', 'dddd'].map((text) => v.vectorize(text, ctx()));
  await new Promise((resolve) => setImmediate(resolve));
  t.same(sent, [['a']], 'one batch in flight: the next calls wait');
  releases.shift()!();
  t.same(Array.from(await first), [1]);
  for (let turn = 0; turn < 3; turn++) await new Promise((resolve) => setImmediate(resolve));
  t.same(sent, [['a'], ['bb', 'ccc', 'dddd']], 'they leave as one batch when it returns');
  releases.shift()!();
  t.same((await Promise.all(later)).map((x) => x[0]), [2, 3, 4]);
  t.same({ calls: s.sizes.calls, texts: s.sizes.texts }, { calls: 2, texts: 4 });
  t.same(s.sizes.buckets.slice(0, 3), [1, 0, 1], 'one call of 1 text, one of 3 (the <= 4 bucket)');
});

t.test('a caller who gives up while waiting is dropped before its batch leaves', async (t) => {
  const { inner, calls } = recording();
  const s = settings(64, 1);
  const v = coalesceVectorize(inner, s);
  const leaving = new AbortController();
  const first = v.vectorize('first', ctx());
  const gone = v.vectorize('gone', ctx(leaving.signal));
  const stays = v.vectorize('stays', ctx());
  leaving.abort(new Error('caller left'));
  await t.rejects(gone, { message: 'caller left' });
  t.same((await Promise.all([first, stays])).map((x) => x[0]), [5, 5]);
  t.same(calls.map((c) => c.texts), [['first', 'stays']], 'the plugin never sees the text of the caller who left');
  t.equal(s.sizes.texts, 2);
});

t.test('a failing batch is retried text by text: only the bad input fails', async (t) => {
  const { inner, calls } = recording({ failOn: 'poison' });
  const v = coalesceVectorize(inner, settings(64));
  const results = await Promise.allSettled(['good', 'poison', 'fine'].map((text) => v.vectorize(text, ctx())));
  t.same(
    results.map((r) => r.status),
    ['fulfilled', 'rejected', 'fulfilled'],
  );
  t.match((results[1] as PromiseRejectedResult).reason, { message: 'cannot embed poison' });
  t.same(calls.map((c) => c.kind), ['batch', 'one', 'one', 'one']);
});

t.test('the batch is aborted only when every caller has gone', async (t) => {
  const { inner, calls } = recording({ hangBatches: true });
  const v = coalesceVectorize(inner, settings(64));
  const first = new AbortController();
  const second = new AbortController();
  const a = v.vectorize('a', ctx(first.signal));
  const b = v.vectorize('b', ctx(second.signal));
  await new Promise((resolve) => setImmediate(resolve));
  t.equal(calls.length, 1);
  first.abort(new Error('first gone'));
  t.notOk(calls[0].signal.aborted, 'one caller left: the batch goes on');
  second.abort(new Error('second gone'));
  t.ok(calls[0].signal.aborted, 'both gone: the batch is aborted');
  await t.rejects(a, { message: 'second gone' });
  await t.rejects(b, { message: 'second gone' });
  t.equal(calls.length, 1, 'an aborted batch is not retried');
});

t.test('callers already gone before the flush abort the batch at once', async (t) => {
  const { inner, calls } = recording({ hangBatches: true });
  const v = coalesceVectorize(inner, settings(64));
  const gone = AbortSignal.abort(new Error('gone early'));
  const results = await Promise.allSettled([v.vectorize('a', ctx(gone)), v.vectorize('b', ctx(gone))]);
  t.same(results.map((r) => r.status), ['rejected', 'rejected']);
  t.match((results[0] as PromiseRejectedResult).reason, { message: 'gone early' });
  t.equal(calls.length, 0, 'the plugin is not called for nobody');
});

t.test('a plugin that throws synchronously fails its callers, and the batch slot is freed', async (t) => {
  let throwing = true;
  const inner: Vectorizer = {
    dimensions: 1,
    vectorize(text) {
      if (throwing) throw new Error(`sync failure on ${text}`);
      return Promise.resolve(Float32Array.of(text.length));
    },
    vectorizeBatch(texts) {
      if (throwing) throw new Error('sync batch failure');
      return Promise.resolve(texts.map((text) => Float32Array.of(text.length)));
    },
  };
  const v = coalesceVectorize(inner, settings(64, 1));
  await t.rejects(v.vectorize('alone', ctx()), { message: 'sync failure on alone' }, 'a lone call');
  const batch = await Promise.allSettled([v.vectorize('a', ctx()), v.vectorize('bb', ctx())]);
  t.same(
    batch.map((r) => r.status === 'rejected' && (r.reason as Error).message),
    ['sync failure on a', 'sync failure on bb'],
    'a batch, then each text on its own',
  );
  throwing = false;
  t.same(Array.from(await v.vectorize('ccc', ctx())), [3], 'the one slot in flight was freed each time');
});
