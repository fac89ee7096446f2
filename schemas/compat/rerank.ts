// Cohere-style (POST /v2/rerank) and Jina-style (POST /v1/rerank) rerank APIs: one request
// shape, two answer shapes.
import { Type, type Static } from '@sinclair/typebox';

export const CompatRerankRequest = Type.Object(
  {
    model: Type.String({ description: 'name of a reranker plugin', examples: ['bm25-reranker'] }),
    query: Type.String({ examples: ['what do cats eat'] }),
    documents: Type.Array(Type.Union([Type.String(), Type.Object({ text: Type.String() })]), {
      minItems: 1,
      description: 'strings, or `{"text": ...}` objects',
    }),
    top_n: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], { description: 'return only the best N (default: all)' })),
    return_documents: Type.Optional(
      Type.Union([Type.Boolean(), Type.Null()], { description: 'add `document: {text}` to each result (default: false on /v2/rerank, true on /v1/rerank)' }),
    ),
  },
  {
    $id: 'CompatRerankRequest',
    description: 'Other fields (max_tokens_per_doc, ...) are accepted and ignored.',
    examples: [{ model: 'bm25-reranker', query: 'what do cats eat', documents: ['Cats eat fish.', 'Dogs bark.'], top_n: 1 }],
  },
);
export type CompatRerankRequest = Static<typeof CompatRerankRequest>;

const Result = Type.Object({
  index: Type.Integer({ description: 'position of the document in the request' }),
  relevance_score: Type.Number(),
  document: Type.Optional(Type.Object({ text: Type.String() })),
});

export const CohereRerankResponse = Type.Object(
  {
    id: Type.String(),
    results: Type.Array(Result, { description: 'best first' }),
    meta: Type.Object({
      api_version: Type.Object({ version: Type.String() }),
      billed_units: Type.Object({ search_units: Type.Integer() }),
    }),
  },
  {
    $id: 'CohereRerankResponse',
    examples: [
      {
        id: '0b6f3e2a-1c9d-4c1e-9d7a-5f0c2a4e8f7b',
        results: [{ index: 0, relevance_score: 0.94 }],
        meta: { api_version: { version: '2' }, billed_units: { search_units: 1 } },
      },
    ],
  },
);

export const JinaRerankResponse = Type.Object(
  {
    model: Type.String(),
    usage: Type.Object({ total_tokens: Type.Integer({ description: 'whitespace-separated words of the query and the documents' }) }),
    results: Type.Array(Result, { description: 'best first' }),
  },
  {
    $id: 'JinaRerankResponse',
    examples: [{ model: 'bm25-reranker', usage: { total_tokens: 8 }, results: [{ index: 0, relevance_score: 0.94, document: { text: 'Cats eat fish.' } }] }],
  },
);

export const CompatRerankError = Type.Object(
  {
    statusCode: Type.Integer({ examples: [404] }),
    code: Type.String({ description: 'stable MODGATE_* error code', examples: ['MODGATE_PLUGIN_NOT_FOUND'] }),
    error: Type.String({ description: 'HTTP reason phrase', examples: ['Not Found'] }),
    message: Type.String({ description: 'what went wrong and what to fix (Cohere-style clients read this)' }),
    detail: Type.String({ description: 'the same text (Jina-style clients read this)' }),
  },
  { $id: 'CompatRerankError', description: 'Errors on /v1/rerank and /v2/rerank' },
);
