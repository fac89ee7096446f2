// Weaviate's inference-container contract (what text2vec-transformers and reranker-transformers
// send and read). Weaviate sends more fields than modgate uses (`dims: 0, vector: null,
// error: ""`, `config.pooling_strategy`, `config.task_type`, `property`): they are ignored.
import { Type, type Static } from '@sinclair/typebox';

export const WeaviateVectorsRequest = Type.Object(
  {
    text: Type.Optional(Type.String({ description: 'one text; answered with `vector`' })),
    texts: Type.Optional(Type.Array(Type.String(), { description: 'batch form (newer Weaviate versions); answered with `vectors`' })),
    config: Type.Optional(
      Type.Union([
        Type.Object({
          dimensions: Type.Optional(
            Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], {
              description: 'shorten vectors to their first N components, re-normalised to unit length',
            }),
          ),
        }),
        Type.Null(),
      ]),
    ),
  },
  {
    $id: 'WeaviateVectorsRequest',
    description: 'Send `text` or `texts`.',
    examples: [{ text: 'The quick brown fox', dims: 0, vector: null, error: '', config: { pooling_strategy: 'masked_mean', task_type: 'passage' } }],
  },
);
export type WeaviateVectorsRequest = Static<typeof WeaviateVectorsRequest>;

export const WeaviateVectorsResponse = Type.Object(
  {
    text: Type.Optional(Type.String()),
    vector: Type.Optional(Type.Array(Type.Number())),
    vectors: Type.Optional(Type.Array(Type.Array(Type.Number()))),
    dim: Type.Integer({ description: 'vector length (the inference containers’ field)' }),
    dims: Type.Integer({ description: 'vector length (the field Weaviate reads)' }),
  },
  { $id: 'WeaviateVectorsResponse', examples: [{ text: 'The quick brown fox', vector: [0.0123, -0.0456], dim: 2, dims: 2 }] },
);

export const WeaviateRerankRequest = Type.Object(
  {
    query: Type.String({ examples: ['what do cats eat'] }),
    documents: Type.Array(Type.String(), { examples: [['Cats eat fish.', 'Dogs bark.']] }),
  },
  { $id: 'WeaviateRerankRequest', examples: [{ query: 'what do cats eat', documents: ['Cats eat fish.', 'Dogs bark.'], property: '' }] },
);
export type WeaviateRerankRequest = Static<typeof WeaviateRerankRequest>;

export const WeaviateRerankResponse = Type.Object(
  {
    query: Type.String(),
    scores: Type.Array(Type.Object({ document: Type.String(), score: Type.Number() }), {
      description: 'one score per document, in the order the documents were sent (Weaviate matches them by position)',
    }),
  },
  { $id: 'WeaviateRerankResponse' },
);

export const WeaviateMeta = Type.Object(
  {
    model: Type.Object({
      name: Type.String({ examples: ['hash-embedder'] }),
      type: Type.String({ examples: ['vectorizer'] }),
      version: Type.String({ examples: ['1.0.0'] }),
      runtime: Type.String({ examples: ['native'] }),
      model: Type.String({ description: 'capabilities.model, else the plugin name' }),
      description: Type.Optional(Type.String()),
      dimensions: Type.Optional(Type.Integer()),
    }),
  },
  { $id: 'WeaviateMeta', description: 'What the plugin is; Weaviate shows it in its own /v1/meta' },
);

export const WeaviateError = Type.Object(
  {
    error: Type.String({ description: 'what went wrong (the field Weaviate reads)' }),
    code: Type.String({ examples: ['MODGATE_PLUGIN_NOT_FOUND'] }),
    statusCode: Type.Integer(),
  },
  { $id: 'WeaviateError' },
);
