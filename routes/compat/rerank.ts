// Cohere-style POST /v2/rerank and Jina-style POST /v1/rerank on reranker plugins (`model` =
// plugin name). Errors keep the gateway's body (its `message` is what Cohere clients read) plus
// `detail`, the field Jina-style clients read.
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ref } from '../../schemas/common.js';
import { CohereRerankResponse, CompatRerankError, CompatRerankRequest, JinaRerankResponse } from '../../schemas/compat/rerank.js';
import type { CallerSignal } from '../../src/core/invoke.js';
import type { RerankHit } from '../../src/core/types.js';
import { clientSignal } from '../../src/http/client-signal.js';
import { setErrorRenderer } from '../../src/http/openai-errors.js';
import { INVOCATION_BY_MODEL } from './route-config.js';
import { countAllTokens } from './tokens.js';

const ERRORS = Object.fromEntries([400, 401, 403, 404, 413, 502, 503, 504].map((status) => [status, ref(CompatRerankError)]));

function results(hits: RerankHit[], texts: string[], returnDocuments: boolean) {
  return hits.map(({ index, score }) => ({
    index,
    relevance_score: score,
    ...(returnDocuments ? { document: { text: texts[index] } } : {}),
  }));
}

const rerankRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { operations } = app.gateway;
  setErrorRenderer(app, (error) => ({
    statusCode: error.statusCode,
    code: error.code,
    error: STATUS_CODES[error.statusCode] ?? 'Error',
    message: error.message,
    detail: error.message,
  }));

  async function rerank(body: CompatRerankRequest, signal: CallerSignal) {
    const texts = body.documents.map((document) => (typeof document === 'string' ? document : document.text));
    const hits = await operations.rerank(body.model, body.query, texts, body.top_n ?? undefined, { signal });
    return { texts, hits };
  }

  app.post(
    '/v2/rerank',
    {
      config: INVOCATION_BY_MODEL,
      schema: {
        tags: ['compat'],
        summary: 'Rerank documents (Cohere-style)',
        description: 'Cohere’s v2 rerank API on a reranker plugin (`model` = plugin name). Results are best first; `document` only with `return_documents: true`.',
        body: ref(CompatRerankRequest),
        response: { 200: ref(CohereRerankResponse), ...ERRORS },
      },
    },
    async (request, reply) => {
      const { texts, hits } = await rerank(request.body, clientSignal(reply));
      return {
        id: randomUUID(),
        results: results(hits, texts, request.body.return_documents === true),
        meta: { api_version: { version: '2' }, billed_units: { search_units: 1 } },
      };
    },
  );

  app.post(
    '/v1/rerank',
    {
      config: INVOCATION_BY_MODEL,
      schema: {
        tags: ['compat'],
        summary: 'Rerank documents (Jina-style)',
        description:
          'Jina’s rerank API on a reranker plugin (`model` = plugin name). Results are best first with `document: {text}` unless `return_documents: false`; `usage.total_tokens` counts whitespace-separated words.',
        body: ref(CompatRerankRequest),
        response: { 200: ref(JinaRerankResponse), ...ERRORS },
      },
    },
    async (request, reply) => {
      const { texts, hits } = await rerank(request.body, clientSignal(reply));
      return {
        model: request.body.model,
        usage: { total_tokens: countAllTokens([request.body.query, ...texts]) },
        results: results(hits, texts, request.body.return_documents !== false),
      };
    },
  );
};

export default rerankRoutes;
