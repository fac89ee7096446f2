// Cohere-style POST /v2/rerank and Jina-style POST /v1/rerank on the bundled bm25-reranker.
import tap from 'tap';
import { callCount, postJson, sharedGateway } from './helpers.js';

const QUERY = 'what do cats eat';
const DOCUMENTS = ['Dogs bark at night.', 'Cats eat fish and mice.', 'Cats sleep most of the day.'];

tap.test('Cohere v2 and Jina shapes over the plugin’s scores', async (t) => {
  const { app, origin } = await sharedGateway(tap);
  const callsBefore = await callCount(app, 'bm25-reranker', 'rerank');
  const native = (
    await app.inject({ method: 'POST', url: '/plugins/bm25-reranker/rerank', payload: { query: QUERY, documents: DOCUMENTS, returnDocuments: false } })
  ).json().results as Array<{ index: number; score: number }>;
  t.equal(native[0].index, 1, 'the fish document is best');
  const expected = native.map((hit) => ({ index: hit.index, relevance_score: hit.score }));

  const cohere = await postJson(origin, '/v2/rerank', { model: 'bm25-reranker', query: QUERY, documents: DOCUMENTS });
  t.equal(cohere.status, 200);
  t.match(cohere.body.id, /^[0-9a-f-]{36}$/);
  t.same(cohere.body.results, expected, 'best first, no documents by default');
  t.same(cohere.body.meta, { api_version: { version: '2' }, billed_units: { search_units: 1 } });

  const cohereTop = await postJson(origin, '/v2/rerank', {
    model: 'bm25-reranker',
    query: QUERY,
    documents: DOCUMENTS,
    top_n: 2,
    return_documents: true,
    max_tokens_per_doc: 4096,
  });
  t.same(
    cohereTop.body.results,
    expected.slice(0, 2).map((r) => ({ ...r, document: { text: DOCUMENTS[r.index] } })),
    'top_n cuts, return_documents adds {text}',
  );

  const jina = await postJson(origin, '/v1/rerank', {
    model: 'bm25-reranker',
    query: QUERY,
    documents: DOCUMENTS.map((text) => ({ text })),
    top_n: 1,
  });
  t.equal(jina.status, 200);
  t.same(jina.body, {
    model: 'bm25-reranker',
    usage: { total_tokens: 4 + 4 + 5 + 6 },
    results: [{ ...expected[0], document: { text: DOCUMENTS[1] } }],
  });

  const jinaBare = await postJson(origin, '/v1/rerank', { model: 'bm25-reranker', query: QUERY, documents: DOCUMENTS, return_documents: false });
  t.same(jinaBare.body.results, expected, 'return_documents: false leaves the text out');

  t.equal((await callCount(app, 'bm25-reranker', 'rerank')) - callsBefore, 5, 'every call went through the gateway’s operations');
});

tap.test('rerank errors keep the gateway body plus Jina’s `detail`', async (t) => {
  const { origin } = await sharedGateway(tap);
  for (const path of ['/v2/rerank', '/v1/rerank']) {
    const unknown = await postJson(origin, path, { model: 'nope', query: QUERY, documents: DOCUMENTS });
    t.equal(unknown.status, 404);
    const message = 'no plugin named "nope" is installed (GET /plugins lists them)';
    t.same(unknown.body, { statusCode: 404, code: 'MODGATE_PLUGIN_NOT_FOUND', error: 'Not Found', message, detail: message });

    const wrongType = await postJson(origin, path, { model: 'hash-embedder', query: QUERY, documents: DOCUMENTS });
    t.equal(wrongType.status, 400);
    t.match(wrongType.body.detail, /is a vectorizer; this operation needs a reranker/);

    const noDocuments = await postJson(origin, path, { model: 'bm25-reranker', query: QUERY, documents: [] });
    t.equal(noDocuments.status, 400);
    t.match(noDocuments.body.message, /documents/);

    const badDocument = await postJson(origin, path, { model: 'bm25-reranker', query: QUERY, documents: [{ title: 'x' }] });
    t.equal(badDocument.status, 400);

    const zeroTop = await postJson(origin, path, { model: 'bm25-reranker', query: QUERY, documents: DOCUMENTS, top_n: 0 });
    t.equal(zeroTop.status, 400);
  }
});
