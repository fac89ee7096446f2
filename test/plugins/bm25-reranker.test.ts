import t from 'tap';
import plugin from '../../plugins/bm25-reranker/src/index.js';
import { bm25Scores, idf, rankByScore, terms } from '../../plugins/bm25-reranker/src/bm25.js';
import type { Bm25Options } from '../../plugins/bm25-reranker/src/bm25.js';
import { DEFAULT_OPTIONS, parseConfig } from '../../plugins/bm25-reranker/src/config.js';
import { sStem } from '../../plugins/bm25-reranker/src/stem.js';
import type { PluginLogger, Reranker } from '../../sdk/typescript/src/index.js';

const silent: PluginLogger = { debug() {}, info() {}, warn() {}, error() {} };
const ctx = { signal: new AbortController().signal, timeoutMs: 5000 };

// N = 3 documents of 6, 6 and 3 words: avgdl = 5.
const DOCS = ['The cat sat on the mat.', 'The dog sat on the log!', 'Cats and dogs'];

function options(overrides: Partial<Bm25Options> = {}): Bm25Options {
  return { ...DEFAULT_OPTIONS, ...overrides };
}

function close(t: { ok(value: boolean, message: string): unknown }, actual: number, expected: number, message: string): void {
  t.ok(Math.abs(actual - expected) < 1e-12, `${message}: ${actual} ~ ${expected}`);
}

async function makeReranker(config: Record<string, unknown> = {}): Promise<Reranker> {
  return plugin.create({ config, log: silent, dataDir: '/nonexistent' });
}

t.test('idf', async (t) => {
  close(t, idf(3, 1), Math.log(8 / 3), 'ln(1 + 2.5/1.5)');
  close(t, idf(3, 2), Math.log(1.6), 'ln(1 + 1.5/2.5)');
  t.ok(idf(3, 3) > 0, 'a term in every document still weighs a little');
});

t.test('hand-computed scores, k1 = 1.2, b = 0.75', async (t) => {
  // Both D0 and D1 have 6 words: K = 1.2 * (0.25 + 0.75 * 6/5) = 1.38; tf = 1 -> 2.2 / 2.38.
  // D0 = (ln(8/3) + ln(1.6)) * 2.2/2.38, D1 = ln(1.6) * 2.2/2.38, D2 has neither word.
  const scores = bm25Scores('CAT sat', DOCS, options());
  close(t, scores[0], 1.3411060256161416, 'D0');
  close(t, scores[1], 0.4344571362775708, 'D1');
  t.equal(scores[2], 0, 'D2');
  // "the" occurs twice in D0: ln(1.6) * (2 * 2.2) / (2 + 1.38)
  close(t, bm25Scores('the', DOCS, options())[0], 0.6118390439885317, 'tf = 2');
  // a repeated query word counts once
  t.same(bm25Scores('cat cat sat', DOCS, options()), scores);
});

t.test('k1 and b change the scores as BM25 says', async (t) => {
  // k1 = 0: only presence counts, the score is the sum of the idfs of the matched terms
  close(t, bm25Scores('cat sat', DOCS, options({ k1: 0 }))[0], Math.log(8 / 3) + Math.log(1.6), 'k1 = 0');
  // D2 (3 words, shorter than average) gets a length bonus with b = 0.75 and none with b = 0
  close(t, bm25Scores('dogs', DOCS, options())[2], 1.1727306286009773, 'b = 0.75');
  close(t, bm25Scores('dogs', DOCS, options({ b: 0 }))[2], Math.log(8 / 3), 'b = 0: tf part is 2.2/2.2');
  const sat = bm25Scores('the', DOCS, options({ k1: 3 }))[0];
  t.ok(sat > 0.6118390439885317, 'larger k1 rewards the repeated term more');
});

t.test('ranking: score desc, ties by index, topN', async (t) => {
  t.same(rankByScore([0.5, 2, 0.5, 1], undefined).map((h) => h.index), [1, 3, 0, 2]);
  t.same(rankByScore([0.5, 2, 0.5, 1], 2).map((h) => h.index), [1, 3]);
  t.same(rankByScore([0.5, 2], 10).length, 2);
  t.same(rankByScore([1, 2], 0), []);
  t.same(rankByScore([], 3), []);
});

t.test('stemming (Harman S-stemmer) when enabled', async (t) => {
  t.same(['cats', 'queries', 'horses', 'glasses', 'status', 'toes', 'bees', 'is', 'gas'].map(sStem), [
    'cat',
    'query',
    'horse',
    'glasse',
    'status',
    'toe',
    'bee',
    'is',
    'gas',
  ]);
  t.same(terms('Cats & Queries', true), ['cat', 'query']);
  t.same(terms('Cats & Queries', false), ['cats', 'queries']);
  t.equal(bm25Scores('cat', DOCS, options())[2], 0, 'without stemming "cats" does not match "cat"');
  const stemmed = bm25Scores('cat', DOCS, options({ stem: true }));
  close(t, stemmed[0], 0.4344571362775708, 'df(cat) is now 2');
  close(t, stemmed[2], 0.561960861054684, 'shorter D2 "cats" wins');
});

t.test('edge cases: no documents, no matching or no query terms, empty documents', async (t) => {
  t.same(bm25Scores('cat', [], options()), []);
  t.same(bm25Scores('zebra', DOCS, options()), [0, 0, 0]);
  t.same(bm25Scores('?!', DOCS, options()), [0, 0, 0]);
  t.same(bm25Scores('cat', ['', '  '], options()), [0, 0]);
  const withEmpty = bm25Scores('cat', ['', 'cat'], options());
  t.equal(withEmpty[0], 0);
  t.ok(withEmpty[1] > 0);
});

t.test('plugin: rerank through create()', async (t) => {
  const reranker = await makeReranker();
  const hits = await reranker.rerank('cat sat', DOCS, undefined, ctx);
  t.same(hits.map((h) => h.index), [0, 1, 2]);
  close(t, hits[0].score, 1.3411060256161416, 'top score');
  t.same(await reranker.rerank('dog log', DOCS, 1, ctx), [{ index: 1, score: bm25Scores('dog log', DOCS, options())[1] }]);
  t.same(await reranker.rerank('zebra', DOCS, undefined, ctx), [
    { index: 0, score: 0 },
    { index: 1, score: 0 },
    { index: 2, score: 0 },
  ], 'no match keeps the original order');
  t.same(await reranker.rerank('cat', [], 5, ctx), []);

  const stemming = await makeReranker({ stem: true, k1: 1.2, b: 0.75 });
  t.same((await stemming.rerank('cat', DOCS, undefined, ctx)).map((h) => h.index), [2, 0, 1]);

  await t.rejects(reranker.rerank(7 as unknown as string, DOCS, undefined, ctx), { code: 'MODGATE_VALIDATION', message: /query must be a string/ });
  await t.rejects(reranker.rerank('q', 'doc' as unknown as string[], undefined, ctx), { code: 'MODGATE_VALIDATION', message: /documents must be an array/ });
  await t.rejects(reranker.rerank('q', ['a', 3 as unknown as string], undefined, ctx), { message: /documents\[1\] must be a string/ });
  await t.rejects(reranker.rerank('q', DOCS, -1, ctx), { code: 'MODGATE_VALIDATION', message: /topN must be an integer >= 0, got -1/ });
  await t.rejects(reranker.rerank('q', DOCS, 1.5, ctx), { code: 'MODGATE_VALIDATION' });
});

t.test('config is validated', async (t) => {
  t.same(parseConfig({}), { k1: 1.2, b: 0.75, stem: false });
  t.same(parseConfig({ k1: 2, b: 0, stem: true }), { k1: 2, b: 0, stem: true });
  for (const [cfg, message] of [
    [{ k1: -0.1 }, /config\.k1 must be a number from 0 to 100, got -0\.1/],
    [{ b: 1.5 }, /config\.b must be a number from 0 to 1/],
    [{ b: 'x' }, /config\.b/],
    [{ stem: 1 }, /config\.stem must be true or false/],
  ] as Array<[Record<string, unknown>, RegExp]>) {
    t.throws(() => parseConfig(cfg), { code: 'MODGATE_CONFIG_INVALID', message }, JSON.stringify(cfg));
  }
  await t.rejects(makeReranker({ k1: Number.POSITIVE_INFINITY }), { code: 'MODGATE_CONFIG_INVALID' });
});

t.test('plugin: health reports the effective settings', async (t) => {
  const impl = await plugin.create({ config: { k1: 2, b: 0.5, stem: true }, log: silent, dataDir: '/nonexistent' });
  t.same(await impl.health?.(), { healthy: true, detail: 'k1=2 b=0.5 stem=true' });
});
