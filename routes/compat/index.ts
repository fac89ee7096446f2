// The compatibility front doors, each in its own scope so each renders errors the way its
// clients expect: OpenAI under /v1 (embeddings, models, chat), Cohere/Jina rerank, and
// Weaviate's inference-container contract per plugin under /compat/weaviate/:name.
import type { FastifyInstance } from 'fastify';
import { registerOpenAiErrors } from '../../src/http/openai-errors.js';
import chatRoutes from './openai-chat.js';
import embeddingsRoutes from './openai-embeddings.js';
import modelRoutes from './openai-models.js';
import rerankRoutes from './rerank.js';
import weaviateRoutes from './weaviate.js';

export default async function compatRoutes(app: FastifyInstance): Promise<void> {
  await app.register(
    async (openai) => {
      registerOpenAiErrors(openai);
      await openai.register(embeddingsRoutes);
      await openai.register(modelRoutes);
      await openai.register(chatRoutes);
    },
    { prefix: '/v1' },
  );
  await app.register(rerankRoutes);
  await app.register(weaviateRoutes, { prefix: '/compat/weaviate/:name' });
}
