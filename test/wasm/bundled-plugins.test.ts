// The bundled WASM plugins against their native twins, over HTTP: hash-embedder-wasm gives
// bit-identical vectors (and matches the frozen golden files); bm25-reranker-wasm ranks the
// same way with the same scores.
import { readFile } from 'node:fs/promises';
import t from 'tap';
import { embed } from '../../plugins/hash-embedder/src/embed.js';
import { DEFAULT_CONFIG } from '../../plugins/hash-embedder/src/config.js';
import { bm25Scores, rankByScore } from '../../plugins/bm25-reranker/src/bm25.js';
import { buildTestApp, bundledSubset } from '../helpers/app.js';
import { buildWasm } from './helpers.js';

await buildWasm('plugins/hash-embedder-wasm', 'assembly/index.ts', 'build/hash-embedder-wasm.wasm');
await buildWasm('plugins/bm25-reranker-wasm', 'assembly/index.ts', 'build/bm25-reranker-wasm.wasm');

interface Golden {
  text: string;
  dimensions: number;
  config: Record<string, unknown>;
  vector: number[];
}

const golden = async (name: string) => JSON.parse(await readFile(new URL(`../fixtures/${name}`, import.meta.url), 'utf8')) as Golden;

const TEXTS = [
  'The cat sat on the mat',
  '',
  '?!',
  'Größe, café & naïve — 東京タワー 🚀',
  'lone surrogate \uD800 here',
  'a'.repeat(3000),
  'mixed CASE words, digits 12345 and_underscores-and-dashes',
  Array.from({ length: 400 }, (_, i) => `w${i % 37}`).join(' '),
];

const root = await bundledSubset(t, ['hash-embedder', 'hash-embedder-wasm', 'bm25-reranker', 'bm25-reranker-wasm']);
const { app } = await buildTestApp(t, { pluginsDirs: [root], wasmThreads: 2 });

const vectorize = async (name: string, body: Record<string, unknown>) => {
  const response = await app.inject({ method: 'POST', url: `/plugins/${name}/vectorize`, payload: body });
  if (response.statusCode !== 200) throw new Error(`${name}: ${response.body}`);
  return response.json() as { vector?: number[]; vectors?: number[][]; dimensions: number };
};

t.test('both bundled WASM plugins load', async (t) => {
  for (const name of ['hash-embedder-wasm', 'bm25-reranker-wasm']) {
    const detail = (await app.inject({ url: `/plugins/${name}` })).json();
    t.equal(detail.state, 'ready', `${name} is ready`);
    t.equal(detail.runtime, 'wasm');
    t.same(detail.runtimeInfo.wasiImports, [], `${name} imports no WASI`);
  }
});

t.test('hash-embedder-wasm reproduces the golden vectors bit for bit', async (t) => {
  for (const file of ['hash-embedder-golden.json', 'hash-embedder-golden-weighted.json']) {
    const g = await golden(file);
    await app.gateway.manager.reload('hash-embedder-wasm', undefined, { config: { dimensions: g.dimensions, ...g.config } });
    const { vector, dimensions } = await vectorize('hash-embedder-wasm', { text: g.text });
    t.equal(dimensions, g.dimensions, `${file}: dimensions from config`);
    t.same(vector, g.vector.map((x) => Math.fround(x)), `${file}: identical vector`);
  }
  await app.gateway.manager.reload('hash-embedder-wasm', undefined, { config: {} });
});

t.test('hash-embedder-wasm equals the native plugin, single and batch, JSON and float32', async (t) => {
  const native = await vectorize('hash-embedder', { texts: TEXTS });
  const wasm = await vectorize('hash-embedder-wasm', { texts: TEXTS });
  t.equal(wasm.dimensions, 384);
  t.same(wasm.vectors, native.vectors, 'batch: identical to the native plugin over HTTP');
  for (const [i, text] of TEXTS.entries()) {
    const one = await vectorize('hash-embedder-wasm', { text });
    t.same(one.vector, Array.from(embed(text, DEFAULT_CONFIG)), `text ${i}: identical to the specification’s code`);
  }
  const raw = async (name: string) =>
    (await app.inject({ method: 'POST', url: `/plugins/${name}/vectorize`, payload: { texts: TEXTS }, headers: { accept: 'application/octet-stream' } }))
      .rawPayload;
  t.ok((await raw('hash-embedder-wasm')).equals(await raw('hash-embedder')), 'the raw float32 bytes are identical');
});

t.test('bm25-reranker-wasm ranks like the native reranker', async (t) => {
  const documents = [
    'The cat sat on the mat.',
    'The dog sat on the log!',
    'Cats and dogs',
    'A completely unrelated sentence about databases.',
    'cat cat cat — the CAT sat; Größe café',
    '',
    'Ponies and puppies play with the cats',
  ];
  const queries = ['cat sat', 'dogs', 'größe CAFÉ', 'nothing matches here', '', 'cats puppies'];
  for (const stem of [false, true]) {
    await app.gateway.manager.reload('bm25-reranker', undefined, { config: { stem, k1: 1.5, b: 0.6 } });
    await app.gateway.manager.reload('bm25-reranker-wasm', undefined, { config: { stem, k1: 1.5, b: 0.6 } });
    for (const query of queries) {
      for (const topN of [undefined, 3]) {
        const body = { query, documents, returnDocuments: false, ...(topN ? { topN } : {}) };
        const [native, wasm] = await Promise.all(
          ['bm25-reranker', 'bm25-reranker-wasm'].map(async (name) => {
            const response = await app.inject({ method: 'POST', url: `/plugins/${name}/rerank`, payload: body });
            t.equal(response.statusCode, 200, `${name} answers`);
            return response.json().results as Array<{ index: number; score: number }>;
          }),
        );
        const label = `stem=${stem} query=${JSON.stringify(query)} topN=${topN}`;
        t.same(wasm.map((h) => h.index), native.map((h) => h.index), `${label}: same order`);
        const expected = rankByScore(bm25Scores(query, documents, { k1: 1.5, b: 0.6, stem }), topN);
        for (const [i, hit] of wasm.entries()) {
          t.ok(Math.abs(hit.score - expected[i].score) <= 1e-12 * Math.max(1, Math.abs(expected[i].score)), `${label}: score ${i} ${hit.score} ~ ${expected[i].score}`);
        }
      }
    }
  }
  const empty = await app.inject({ method: 'POST', url: '/plugins/bm25-reranker-wasm/rerank', payload: { query: 'x', documents: [] } });
  t.same(empty.json().results, []);
});
