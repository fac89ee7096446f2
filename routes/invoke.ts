// Calling plugins: vectorize, transform, rerank, generate.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorResponses, ref, PluginNameParams } from '../schemas/common.js';
import {
  GenerateRequest,
  GenerateResponse,
  RerankRequest,
  RerankResponse,
  TransformRequest,
  TransformResponse,
  VectorizeRequest,
  VectorizeResponse,
} from '../schemas/invoke.js';
import { modelOf } from '../src/core/operations.js';
import { ModgateError } from '../src/errors.js';
import { clientSignal } from '../src/http/client-signal.js';
import { streamSse } from '../src/http/sse.js';
import { sendFloat32, sendVectorsJson, wantsFloat32 } from '../src/http/vectors.js';

const CALL_ERRORS = errorResponses(400, 401, 403, 404, 413, 502, 503, 504);

/** Exactly one of text / texts. */
function textsOf(body: { text?: string; texts?: string[] }): string[] {
  if ((body.text === undefined) === (body.texts === undefined)) {
    throw new ModgateError('MODGATE_VALIDATION', 'send exactly one of "text" (a string) or "texts" (an array of strings)');
  }
  return body.text !== undefined ? [body.text] : body.texts!;
}

const invokeRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { operations, manager } = app.gateway;

  app.post(
    '/plugins/:name/vectorize',
    {
      config: { invocation: true },
      schema: {
        tags: ['invoke'],
        summary: 'Vectorize text',
        description:
          '`{"text": ...}` returns `vector`; `{"texts": [...]}` returns `vectors` (at most the plugin’s maxBatchSize). With `Accept: application/octet-stream` the answer is raw little-endian float32, vectors back to back.',
        params: PluginNameParams,
        body: ref(VectorizeRequest),
        response: { 200: ref(VectorizeResponse), ...CALL_ERRORS },
      },
    },
    async (request, reply) => {
      const texts = textsOf(request.body);
      const result = await operations.vectorize(request.params.name, texts, { signal: clientSignal(reply) });
      if (wantsFloat32(request)) return sendFloat32(reply, result.vectors, result.dimensions, result.model);
      const { dimensions, model, version } = result;
      return sendVectorsJson(
        reply,
        request.body.text !== undefined ? { vector: result.vectors[0], dimensions, model, version } : { vectors: result.vectors, dimensions, model, version },
      );
    },
  );

  app.post(
    '/plugins/:name/transform',
    {
      config: { invocation: true },
      schema: {
        tags: ['invoke'],
        summary: 'Transform text',
        description: '`{"text": ...}` returns `outputs` (e.g. the chunks of the text); `{"texts": [...]}` returns `results`, one list per input.',
        params: PluginNameParams,
        body: ref(TransformRequest),
        response: { 200: ref(TransformResponse), ...CALL_ERRORS },
      },
    },
    async (request, reply) => {
      const { name } = request.params;
      const texts = textsOf(request.body);
      const results = await operations.transform(name, texts, { signal: clientSignal(reply) });
      const model = modelOf(manager.registry.require(name));
      return request.body.text !== undefined ? { outputs: results[0], model } : { results, model };
    },
  );

  app.post(
    '/plugins/:name/rerank',
    {
      config: { invocation: true },
      schema: {
        tags: ['invoke'],
        summary: 'Rerank documents against a query',
        description: 'Returns the documents’ indexes and scores, best first, cut to topN when given.',
        params: PluginNameParams,
        body: ref(RerankRequest),
        response: { 200: ref(RerankResponse), ...CALL_ERRORS },
      },
    },
    async (request, reply) => {
      const { name } = request.params;
      const { query, documents, topN, returnDocuments = true } = request.body;
      const hits = await operations.rerank(name, query, documents, topN, { signal: clientSignal(reply) });
      const results = hits.map((hit) => (returnDocuments ? { ...hit, document: documents[hit.index] } : hit));
      return { results, model: modelOf(manager.registry.require(name)) };
    },
  );

  app.post(
    '/plugins/:name/generate',
    {
      config: { invocation: true },
      schema: {
        tags: ['invoke'],
        summary: 'Generate text',
        description:
          'Send `prompt` or `messages`. With `"stream": true` the answer is server-sent events: `data: {"text": "..."}` per chunk, then `event: done`. A client that disconnects stops the generation.',
        params: PluginNameParams,
        body: ref(GenerateRequest),
        response: { 200: ref(GenerateResponse), ...CALL_ERRORS },
      },
    },
    async (request, reply) => {
      const { name } = request.params;
      const { prompt, messages, maxTokens, stream } = request.body;
      if ((prompt === undefined) === (messages === undefined)) {
        throw new ModgateError('MODGATE_VALIDATION', 'send exactly one of "prompt" (a string) or "messages" (a list of {role, content})');
      }
      const chunks = operations.generate(name, { prompt, messages, maxTokens }, { signal: clientSignal(reply) });
      if (stream) {
        await streamSse(reply, chunks, {
          chunk: (text) => JSON.stringify({ text }),
          end: () => 'event: done\ndata: {}\n\n',
          error: (code, message) => `event: error\ndata: ${JSON.stringify({ code, message })}\n\n`,
        });
        return reply;
      }
      let text = '';
      for await (const chunk of chunks) text += chunk;
      return { text, model: modelOf(manager.registry.require(name)) };
    },
  );
};

export default invokeRoutes;
