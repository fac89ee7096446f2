import { Type, type Static } from '@sinclair/typebox';

const Text = Type.String({ description: 'input text' });

export const VectorizeRequest = Type.Object(
  {
    text: Type.Optional(Type.String({ description: 'one text; answered with `vector`', examples: ['The quick brown fox'] })),
    texts: Type.Optional(Type.Array(Text, { description: 'several texts; answered with `vectors`, in order', minItems: 1 })),
  },
  { $id: 'VectorizeRequest', description: 'Send exactly one of text or texts', examples: [{ text: 'The quick brown fox' }] },
);
export type VectorizeRequest = Static<typeof VectorizeRequest>;

export const VectorizeResponse = Type.Object(
  {
    vector: Type.Optional(Type.Array(Type.Number())),
    vectors: Type.Optional(Type.Array(Type.Array(Type.Number()))),
    dimensions: Type.Integer({ examples: [384] }),
    model: Type.String({ examples: ['hash-embedder'] }),
    version: Type.String({ examples: ['1.0.0'] }),
  },
  {
    $id: 'VectorizeResponse',
    description: 'JSON vectors; send `Accept: application/octet-stream` to get raw little-endian float32 instead (headers X-Dimensions, X-Count)',
  },
);

export const TransformRequest = Type.Object(
  {
    text: Type.Optional(Type.String({ examples: ['A long document. With sentences.'] })),
    texts: Type.Optional(Type.Array(Text, { minItems: 1 })),
  },
  { $id: 'TransformRequest', description: 'Send exactly one of text or texts' },
);
export type TransformRequest = Static<typeof TransformRequest>;

export const TransformResponse = Type.Object(
  {
    outputs: Type.Optional(Type.Array(Type.String(), { description: 'what `text` became (e.g. its chunks)' })),
    results: Type.Optional(Type.Array(Type.Array(Type.String()), { description: 'what each of `texts` became, in order' })),
    model: Type.String(),
  },
  { $id: 'TransformResponse' },
);

export const RerankRequest = Type.Object(
  {
    query: Type.String({ examples: ['what do cats eat'] }),
    documents: Type.Array(Type.String(), { examples: [['Cats eat fish.', 'Dogs bark.']] }),
    topN: Type.Optional(Type.Integer({ minimum: 1, description: 'return only the best N' })),
    returnDocuments: Type.Optional(Type.Boolean({ default: true, description: 'include each document text in the results' })),
  },
  { $id: 'RerankRequest' },
);
export type RerankRequest = Static<typeof RerankRequest>;

export const RerankResponse = Type.Object(
  {
    results: Type.Array(
      Type.Object({ index: Type.Integer(), score: Type.Number(), document: Type.Optional(Type.String()) }),
      { description: 'best first' },
    ),
    model: Type.String(),
  },
  { $id: 'RerankResponse' },
);

export const ChatMessageSchema = Type.Object({
  role: Type.Union([Type.Literal('system'), Type.Literal('user'), Type.Literal('assistant')]),
  content: Type.String(),
});

export const GenerateRequest = Type.Object(
  {
    prompt: Type.Optional(Type.String({ examples: ['Summarize: ...'] })),
    messages: Type.Optional(Type.Array(ChatMessageSchema, { minItems: 1 })),
    maxTokens: Type.Optional(Type.Integer({ minimum: 1 })),
    stream: Type.Optional(Type.Boolean({ description: 'answer as server-sent events (data: {"text": ...}, then event: done)' })),
  },
  { $id: 'GenerateRequest', description: 'Send prompt or messages' },
);
export type GenerateRequest = Static<typeof GenerateRequest>;

export const GenerateResponse = Type.Object({ text: Type.String(), model: Type.String() }, { $id: 'GenerateResponse' });
