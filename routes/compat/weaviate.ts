// Weaviate's inference-container contract, per plugin, under /compat/weaviate/:name, so the
// stock text2vec-transformers and reranker-transformers modules use a modgate plugin when their
// inference URL points here. Weaviate sends its JSON without a Content-Type header and reads
// errors from a string `error` field; both are handled in this scope only.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { PluginNameParams, ref } from '../../schemas/common.js';
import {
  WeaviateError,
  WeaviateMeta,
  WeaviateRerankRequest,
  WeaviateRerankResponse,
  WeaviateVectorsRequest,
  WeaviateVectorsResponse,
} from '../../schemas/compat/weaviate.js';
import { modelOf } from '../../src/core/operations.js';
import { notFound } from '../../src/core/registry.js';
import { ModgateError } from '../../src/errors.js';
import { clientSignal } from '../../src/http/client-signal.js';
import { setErrorRenderer } from '../../src/http/openai-errors.js';
import { toNumbers } from '../../src/http/vectors.js';
import { notReadyReason } from './plugin-readiness.js';
import { INVOCATION_BY_NAME } from './route-config.js';
import { checkDimensions, shortenVectors } from './shorten.js';

const ERRORS = Object.fromEntries([400, 401, 403, 404, 413, 502, 503, 504].map((status) => [status, ref(WeaviateError)]));

const weaviateRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { operations, manager } = app.gateway;
  setErrorRenderer(app, (error) => ({ error: error.message, code: error.code, statusCode: error.statusCode }));
  // Weaviate's Go client posts JSON with no Content-Type: parse any body here as JSON.
  app.addContentTypeParser('*', { parseAs: 'string' }, app.getDefaultJsonParser('error', 'error'));

  // Both paths: the inference containers serve /vectors/ (FastAPI) and Weaviate calls /vectors.
  for (const url of ['/vectors', '/vectors/']) {
    app.post(
      url,
      {
        config: INVOCATION_BY_NAME,
        schema: {
          hide: url.endsWith('/'),
          tags: ['compat'],
          summary: 'Vectorize (Weaviate text2vec-transformers contract)',
          description:
            'What Weaviate’s text2vec-transformers module sends to its inference container: set `TRANSFORMERS_INFERENCE_API` (or the passage/query URLs) to `http://<gateway>/compat/weaviate/<plugin>`. `{text}` → `{text, vector, dim, dims}`; `{texts}` → `{vectors, dim, dims}`. `config.dimensions` shortens and re-normalises the vectors; other fields are ignored. Also served at `/vectors/`.',
          params: PluginNameParams,
          body: ref(WeaviateVectorsRequest),
          response: { 200: ref(WeaviateVectorsResponse), ...ERRORS },
        },
      },
      async (request, reply) => {
        const { name } = request.params;
        const { text, texts, config } = request.body;
        if ((text === undefined) === (texts === undefined)) {
          throw new ModgateError('MODGATE_VALIDATION', 'send "text" (one string) or "texts" (a list of strings)');
        }
        const inputs = text !== undefined ? [text] : texts!;
        checkDimensions(manager, name, config?.dimensions);
        const result = await operations.vectorize(name, inputs, { signal: clientSignal(reply) });
        const vectors = shortenVectors(result.vectors, config?.dimensions, result.dimensions, name);
        const dims = config?.dimensions ?? result.dimensions;
        return text !== undefined
          ? { text, vector: toNumbers(vectors[0]), dim: dims, dims }
          : { vectors: vectors.map(toNumbers), dim: dims, dims };
      },
    );
  }

  app.post(
    '/rerank',
    {
      config: INVOCATION_BY_NAME,
      schema: {
        tags: ['compat'],
        summary: 'Rerank (Weaviate reranker-transformers contract)',
        description:
          'What Weaviate’s reranker-transformers module sends: set `RERANKER_INFERENCE_API` to `http://<gateway>/compat/weaviate/<plugin>`. Scores come back one per document in the order sent (Weaviate matches them by position).',
        params: PluginNameParams,
        body: ref(WeaviateRerankRequest),
        response: { 200: ref(WeaviateRerankResponse), ...ERRORS },
      },
    },
    async (request, reply) => {
      const { name } = request.params;
      const { query, documents } = request.body;
      const hits = await operations.rerank(name, query, documents, undefined, { signal: clientSignal(reply) });
      const scores = new Map(hits.map((hit) => [hit.index, hit.score]));
      const missing = documents.findIndex((_, i) => !scores.has(i));
      if (missing >= 0) {
        throw new ModgateError(
          'MODGATE_PLUGIN_BAD_OUTPUT',
          `plugin "${name}" returned no score for document ${missing}; Weaviate needs one score per document`,
        );
      }
      return { query, scores: documents.map((document, i) => ({ document, score: scores.get(i)! })) };
    },
  );

  app.get(
    '/meta',
    {
      schema: {
        tags: ['compat'],
        summary: 'Describe the plugin (Weaviate inference-container contract)',
        params: PluginNameParams,
        response: { 200: ref(WeaviateMeta), 400: ref(WeaviateError), 404: ref(WeaviateError), 503: ref(WeaviateError) },
      },
    },
    async (request) => {
      const handle = manager.registry.require(request.params.name);
      const dimensions = (handle.loaded?.api as { dimensions?: unknown } | undefined)?.dimensions;
      const { description } = handle.manifest.metadata;
      return {
        model: {
          name: handle.name,
          type: handle.type,
          version: handle.version,
          runtime: handle.manifest.spec.runtime,
          model: modelOf(handle),
          ...(description ? { description } : {}),
          ...(handle.type === 'vectorizer' && typeof dimensions === 'number' ? { dimensions } : {}),
        },
      };
    },
  );

  const probeSchema = (summary: string, description: string) => ({
    tags: ['compat'],
    summary,
    description,
    params: PluginNameParams,
    response: { 204: Type.Null({ description: 'yes' }), 400: ref(WeaviateError), 404: ref(WeaviateError), 503: ref(WeaviateError) },
  });

  app.get(
    '/.well-known/live',
    {
      schema: probeSchema(
        'Liveness (Weaviate inference-container contract)',
        '204 while the gateway serves and the plugin is installed (or plugins are still being discovered); 404 for an unknown plugin.',
      ),
    },
    async (request, reply) => {
      const { name } = request.params;
      if (!manager.registry.has(name) && manager.ready) throw notFound(name);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/.well-known/ready',
    {
      schema: probeSchema(
        'Readiness (Weaviate inference-container contract)',
        '204 when the plugin is loaded, available and reports healthy; 503 (with `error` saying why) otherwise, 404 for an unknown plugin. Weaviate polls this at start-up.',
      ),
    },
    async (request, reply) => {
      const reason = await notReadyReason(manager, request.params.name);
      if (reason) throw reason;
      return reply.code(204).send(null);
    },
  );
};

export default weaviateRoutes;
