import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ref } from '../schemas/common.js';
import { HealthResponse } from '../schemas/health.js';

const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { manager } = app.gateway;

  app.get(
    '/health/live',
    {
      schema: {
        tags: ['health'],
        summary: 'Liveness',
        description: '200 while the process serves HTTP.',
        response: { 200: ref(HealthResponse) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/health/ready',
    {
      schema: {
        tags: ['health'],
        summary: 'Readiness',
        description: '200 once plugin discovery has finished (failed plugins do not block it), 503 before.',
        response: { 200: ref(HealthResponse), 503: ref(HealthResponse) },
      },
    },
    async (_request, reply) => {
      const handles = manager.registry.list();
      const plugins = {
        ready: handles.filter((h) => h.state === 'ready').length,
        failed: handles.filter((h) => h.state === 'failed').length + manager.registry.listBroken().length,
        total: handles.length + manager.registry.listBroken().length,
      };
      if (!manager.ready) return reply.code(503).header('retry-after', '1').send({ status: 'starting', plugins });
      return { status: 'ok' as const, plugins };
    },
  );
};

export default healthRoutes;
