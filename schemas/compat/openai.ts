// OpenAI-compatible wire formats: embeddings, models, chat completions and OpenAI's error body.
// Fields a client may send that modgate does not use are accepted and ignored (no
// additionalProperties: false), so stock clients keep working.
import { Type, type Static, type TSchema } from '@sinclair/typebox';

/** Optional, and null accepted too: some clients send `null` for every option they leave unset. */
const Nullable = <T extends TSchema>(schema: T) => Type.Optional(Type.Union([schema, Type.Null()]));

export const OpenAIError = Type.Object(
  {
    error: Type.Object({
      message: Type.String({ examples: ['no plugin named "nope" is installed (GET /plugins lists them)'] }),
      type: Type.String({
        description: 'invalid_request_error (4xx), authentication_error (401), permission_error (403), rate_limit_error (429) or server_error (5xx)',
        examples: ['invalid_request_error'],
      }),
      param: Type.Union([Type.String(), Type.Null()], { examples: ['model'] }),
      code: Type.String({ description: 'the stable MODGATE_* error code', examples: ['MODGATE_PLUGIN_NOT_FOUND'] }),
    }),
  },
  { $id: 'OpenAIError', description: 'Errors on the OpenAI-compatible /v1 routes, in OpenAI’s shape; the HTTP status is the same as on the native routes' },
);

export const EmbeddingsRequest = Type.Object(
  {
    input: Type.Union(
      [
        Type.String(),
        Type.Array(Type.Union([Type.String(), Type.Integer(), Type.Array(Type.Integer())]), { minItems: 1 }),
      ],
      { description: 'a text or a list of texts (token arrays are refused with 400: send text)', examples: ['The quick brown fox'] },
    ),
    model: Type.String({ description: 'name of a vectorizer plugin (GET /v1/models lists them)', examples: ['hash-embedder'] }),
    encoding_format: Type.Optional(
      Type.Union([Type.Literal('float'), Type.Literal('base64')], {
        description: '`float` (default): arrays of numbers; `base64`: the little-endian float32 bytes, base64-encoded (what the openai clients ask for by default)',
      }),
    ),
    dimensions: Type.Optional(
      Type.Integer({ minimum: 1, description: 'shorten every vector to its first N components and re-normalise it to unit length; 400 when N exceeds the plugin’s dimensions' }),
    ),
    user: Type.Optional(Type.String({ description: 'accepted and ignored' })),
  },
  {
    $id: 'OpenAIEmbeddingsRequest',
    examples: [{ model: 'hash-embedder', input: ['The quick brown fox', 'jumps over the lazy dog'], encoding_format: 'float' }],
  },
);
export type EmbeddingsRequest = Static<typeof EmbeddingsRequest>;

export const EmbeddingsResponse = Type.Object(
  {
    object: Type.Literal('list'),
    data: Type.Array(
      Type.Object({
        object: Type.Literal('embedding'),
        index: Type.Integer(),
        embedding: Type.Union([Type.Array(Type.Number()), Type.String({ contentEncoding: 'base64' })]),
      }),
    ),
    model: Type.String(),
    usage: Type.Object(
      { prompt_tokens: Type.Integer(), total_tokens: Type.Integer() },
      { description: 'whitespace-separated words of the input (modgate plugins have no tokenizer of their own)' },
    ),
  },
  {
    $id: 'OpenAIEmbeddingsResponse',
    examples: [
      {
        object: 'list',
        data: [{ object: 'embedding', index: 0, embedding: [0.0123, -0.0456, 0.0789] }],
        model: 'hash-embedder',
        usage: { prompt_tokens: 4, total_tokens: 4 },
      },
    ],
  },
);

export const OpenAIModel = Type.Object(
  {
    id: Type.String({ description: 'the plugin name: pass it as `model`', examples: ['hash-embedder'] }),
    object: Type.Literal('model'),
    created: Type.Integer({ description: 'when this version was loaded (Unix seconds)' }),
    owned_by: Type.String({ description: 'the manifest’s metadata.author', examples: ['modgate'] }),
    type: Type.String({ description: 'modgate plugin type: vectorizer → /v1/embeddings, generator → /v1/chat/completions, reranker → /v1/rerank', examples: ['vectorizer'] }),
    version: Type.String({ examples: ['1.0.0'] }),
  },
  { $id: 'OpenAIModel' },
);

export const OpenAIModelList = Type.Object(
  { object: Type.Literal('list'), data: Type.Array(Type.Ref('OpenAIModel')) },
  { $id: 'OpenAIModelList' },
);

export const OpenAIModelParams = Type.Object({ model: Type.String({ description: 'plugin name' }) }, { $id: 'OpenAIModelParams' });

const ContentPart = Type.Object({ type: Type.String({ examples: ['text'] }), text: Type.Optional(Type.String()) });

export const ChatCompletionRequest = Type.Object(
  {
    model: Type.String({ description: 'name of a generator plugin', examples: ['extractive-summarizer'] }),
    messages: Type.Array(
      Type.Object({
        role: Type.String({ description: 'system, developer (treated as system), user or assistant', examples: ['user'] }),
        content: Type.Union([Type.String(), Type.Array(ContentPart), Type.Null()], {
          description: 'a string, or a list of parts of which only `{"type": "text"}` ones are supported',
        }),
      }),
      { minItems: 1 },
    ),
    stream: Nullable(Type.Boolean({ description: 'answer as server-sent events of chat.completion.chunk objects, ending with `data: [DONE]`' })),
    stream_options: Type.Optional(
      Type.Union([Type.Object({ include_usage: Type.Optional(Type.Boolean()) }), Type.Null()], {
        description: '`include_usage: true` adds a last chunk with `usage` and no choices',
      }),
    ),
    max_tokens: Nullable(Type.Integer({ minimum: 1, description: 'passed to the plugin as maxTokens' })),
    max_completion_tokens: Nullable(Type.Integer({ minimum: 1, description: 'wins over max_tokens' })),
    n: Nullable(Type.Integer({ minimum: 1, maximum: 1, description: 'only 1 is supported' })),
  },
  {
    $id: 'ChatCompletionRequest',
    description: 'Other OpenAI fields (temperature, top_p, tools, ...) are accepted and ignored: the plugin decides how it generates.',
    examples: [
      {
        model: 'extractive-summarizer',
        messages: [{ role: 'user', content: 'Summarize: Cats sleep a lot. Cats also eat fish. Dogs bark.' }],
        max_tokens: 64,
      },
    ],
  },
);
export type ChatCompletionRequest = Static<typeof ChatCompletionRequest>;

const Usage = Type.Object(
  { prompt_tokens: Type.Integer(), completion_tokens: Type.Integer(), total_tokens: Type.Integer() },
  { description: 'whitespace-separated words of the messages and of the answer' },
);
const FinishReason = Type.Union([Type.Literal('stop'), Type.Literal('length')], {
  description: '`length` when max_tokens was given and the answer has that many words, else `stop`',
});

export const ChatCompletion = Type.Object(
  {
    id: Type.String({ examples: ['chatcmpl-5f0c2a4e-8f7b-4c1e-9d7a-0b6f3e2a1c9d'] }),
    object: Type.Literal('chat.completion'),
    created: Type.Integer(),
    model: Type.String(),
    choices: Type.Array(
      Type.Object({
        index: Type.Integer(),
        message: Type.Object({ role: Type.Literal('assistant'), content: Type.String(), refusal: Type.Null() }),
        logprobs: Type.Null(),
        finish_reason: FinishReason,
      }),
    ),
    usage: Usage,
  },
  { $id: 'ChatCompletion' },
);

export const ChatCompletionChunk = Type.Object(
  {
    id: Type.String(),
    object: Type.Literal('chat.completion.chunk'),
    created: Type.Integer(),
    model: Type.String(),
    choices: Type.Array(
      Type.Object({
        index: Type.Integer(),
        delta: Type.Object({ role: Type.Optional(Type.Literal('assistant')), content: Type.Optional(Type.String()) }),
        logprobs: Type.Null(),
        finish_reason: Type.Union([FinishReason, Type.Null()]),
      }),
      { description: 'one choice; empty in the usage chunk' },
    ),
    usage: Type.Optional(Type.Union([Usage, Type.Null()])),
  },
  {
    $id: 'ChatCompletionChunk',
    description:
      'One server-sent event of a streamed chat completion (`data: {...}`): first `delta: {role: "assistant", content: ""}`, then one chunk per piece of text, then `delta: {}` with finish_reason, then `data: [DONE]`. An error after the stream started arrives as `data: {"error": {...}}`.',
  },
);
