import t from 'tap';
import type { CallContext, Vectorizer } from '../../src/core/types.js';
import { COALESCE_MAX_BATCH, coalesceLimit, coalesceVectorize } from '../../src/runtimes/coalesce.js';

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

const ctx = (signal = new AbortController().signal): CallContext => ({ signal, timeoutMs: 1000 });

t.test('calls in the same turn become one batch call, each caller gets its own vector', async (t) => {
  const { inner, calls } = recording();
  const v = coalesceVectorize(inner, 64);
  const texts = Array.from({ length: 10 }, (_, i) => `text ${'x'.repeat(i)}`);
  const vectors = await Promise.all(texts.map((text) => v.vectorize(text, ctx())));
  t.same(calls.map((c) => [c.kind, c.texts.length]), [['batch', 10]]);
  t.same(calls[0].texts, texts, 'in arrival order');
  t.same(vectors.map((x) => Array.from(x)), texts.map((text) => [text.length, text.charCodeAt(0)]));
  t.equal(v.dimensions, 2);
});

t.test('a lone call goes to the plugin as a single call; batches pass through', async (t) => {
  const { inner, calls } = recording();
  const v = coalesceVectorize(inner, 64);
  t.same(Array.from(await v.vectorize('abc', ctx())), [3, 97]);
  t.same(Array.from((await v.vectorizeBatch(['a', 'bb'], ctx()))[1]), [2, 98]);
  t.same(calls.map((c) => [c.kind, c.texts]), [['one', ['abc']], ['batch', ['a', 'bb']]]);
});

t.test('batches are cut at maxBatch', async (t) => {
  const { inner, calls } = recording();
  const v = coalesceVectorize(inner, 4);
  await Promise.all(Array.from({ length: 10 }, (_, i) => v.vectorize(`t${i}`, ctx())));
  t.same(calls.map((c) => c.texts.length), [4, 4, 2]);
  t.equal(coalesceLimit(undefined), COALESCE_MAX_BATCH);
  t.equal(coalesceLimit(8), 8);
  t.equal(coalesceLimit(10_000), COALESCE_MAX_BATCH);
});

t.test('a failing batch is retried text by text: only the bad input fails', async (t) => {
  const { inner, calls } = recording({ failOn: 'poison' });
  const v = coalesceVectorize(inner, 64);
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
  const v = coalesceVectorize(inner, 64);
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
  const v = coalesceVectorize(inner, 64);
  const gone = AbortSignal.abort(new Error('gone early'));
  const results = await Promise.allSettled([v.vectorize('a', ctx(gone)), v.vectorize('b', ctx(gone))]);
  t.same(results.map((r) => r.status), ['rejected', 'rejected']);
  t.match((results[0] as PromiseRejectedResult).reason, { message: 'gone early' });
  t.equal(calls.length, 0, 'the plugin is not called for nobody');
});
