// OpenAI-compatible model listing: every active plugin is a "model" named by the plugin name.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ref } from '../../schemas/common.js';
import { OpenAIError, OpenAIModel, OpenAIModelList, OpenAIModelParams } from '../../schemas/compat/openai.js';
import type { PluginHandle } from '../../src/core/lifecycle.js';
import { ModgateError } from '../../src/errors.js';

/** The plugin types the compatibility APIs can call: embeddings, rerank, chat. */
const MODEL_TYPES = new Set(['vectorizer', 'reranker', 'generator']);

function asModel(handle: PluginHandle) {
  return {
    id: handle.name,
    object: 'model' as const,
    created: Math.floor(handle.createdAt.getTime() / 1000),
    owned_by: handle.manifest.metadata.author ?? 'modgate',
    type: handle.type,
    version: handle.version,
  };
}

const modelRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { manager } = app.gateway;

  app.get(
    '/models',
    {
      schema: {
        tags: ['compat'],
        summary: 'List models (OpenAI-compatible)',
        description:
          'Every ready vectorizer, reranker and generator plugin, with its modgate `type`: vectorizers serve /v1/embeddings, generators /v1/chat/completions, rerankers /v1/rerank and /v2/rerank.',
        response: { 200: ref(OpenAIModelList) },
      },
    },
    async () => ({
      object: 'list' as const,
      data: manager.registry
        .list()
        .filter((handle) => handle.state === 'ready' && MODEL_TYPES.has(handle.type))
        .map(asModel),
    }),
  );

  app.get(
    '/models/:model',
    {
      schema: {
        tags: ['compat'],
        summary: 'Describe a model (OpenAI-compatible)',
        params: ref(OpenAIModelParams),
        response: { 200: ref(OpenAIModel), 404: ref(OpenAIError), 503: ref(OpenAIError) },
      },
    },
    async (request) => {
      const handle = manager.registry.require(request.params.model);
      if (!MODEL_TYPES.has(handle.type)) {
        throw new ModgateError('MODGATE_NOT_FOUND', `plugin "${handle.name}" is a ${handle.type}, not a model: models are vectorizer, reranker and generator plugins`);
      }
      if (handle.state !== 'ready') {
        throw new ModgateError('MODGATE_PLUGIN_UNAVAILABLE', `plugin "${handle.name}" is ${handle.state}${handle.failureReason ? `: ${handle.failureReason}` : ''}`);
      }
      return asModel(handle);
    },
  );
};

export default modelRoutes;
