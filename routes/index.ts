import type { FastifyInstance } from 'fastify';
import authPluginRoutes from './auth-plugins.js';
import healthRoutes from './health.js';
import invokeRoutes from './invoke.js';
import metricsRoutes from './metrics.js';
import objectRoutes from './objects.js';
import pluginRoutes from './plugins.js';

export async function registerRoutes(app: FastifyInstance): Promise<void> {
  await app.register(healthRoutes);
  await app.register(metricsRoutes);
  await app.register(pluginRoutes);
  await app.register(invokeRoutes);
  await app.register(objectRoutes);
  await app.register(authPluginRoutes);
}
