// Route config shared by the compatibility routes: `invocation` marks a route that calls a
// plugin, so the invocation auth hook (API keys or an auth plugin, src/http/invoke-auth.ts)
// applies to it and authorizes the call against the plugin it names.
import type { FastifyRequest } from 'fastify';

/** The plugin is the `:name` path parameter (Weaviate routes). */
export const INVOCATION_BY_NAME = { invocation: true as const };

/** The plugin is the body's `model` (OpenAI, Cohere and Jina routes). */
export const INVOCATION_BY_MODEL = {
  invocation: {
    plugin(request: FastifyRequest): string | undefined {
      const model = (request.body as { model?: unknown } | undefined)?.model;
      return typeof model === 'string' ? model : undefined;
    },
  },
};
