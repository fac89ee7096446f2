import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { GATEWAY_VERSION } from '../version.js';

export const OPENAPI_TAGS = [
  { name: 'plugins', description: 'List, inspect, reload and remove plugins' },
  { name: 'invoke', description: 'Call a plugin: vectorize, transform, rerank, generate' },
  { name: 'storage', description: 'Objects of storage plugins' },
  { name: 'auth', description: 'Auth plugins: authenticate and authorize' },
  { name: 'health', description: 'Liveness, readiness and metrics' },
  { name: 'compat', description: 'APIs clients already speak: OpenAI embeddings and chat, Cohere/Jina rerank, Weaviate inference containers' },
  { name: 'registry', description: 'A read-only plugin marketplace (MODGATE_REGISTRY_DIR)' },
];

export async function registerSwagger(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'modgate',
        version: GATEWAY_VERSION,
        description:
          'HTTP gateway that extends a vector database with plugins (vectorizers, transformers, rerankers, generators, storage and auth) running as sandboxed WebAssembly, gRPC processes or native modules.',
      },
      tags: OPENAPI_TAGS,
      components: {
        securitySchemes: {
          adminToken: { type: 'http', scheme: 'bearer', description: 'MODGATE_ADMIN_TOKEN' },
          apiKey: { type: 'http', scheme: 'bearer', description: 'one of MODGATE_API_KEYS, when set' },
        },
      },
    },
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`),
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
}
