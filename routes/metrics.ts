// GET /metrics: Prometheus text exposition of this gateway's plugin metrics and the process.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';

const metricsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { metrics } = app;

  app.get(
    '/metrics',
    {
      schema: {
        tags: ['health'],
        summary: 'Prometheus metrics',
        description:
          'Per plugin and operation: call counts by outcome, latency histograms, calls in flight; reloads, plugin states, WASM queue depth and worker restarts, gRPC process restarts; plus the process metrics (CPU, memory, event loop, GC).',
        response: {
          200: {
            description: 'Prometheus text format 0.0.4',
            content: { 'text/plain': { schema: Type.String() } },
          },
        },
      },
    },
    async (_request, reply) => reply.type(metrics.contentType()).send(await metrics.render()),
  );
};

export default metricsRoutes;
