import type { FastifyInstance } from 'fastify';
import { registerInvokeAuth } from '../src/http/invoke-auth.js';
import adminRoutes from './admin.js';
import authPluginRoutes from './auth-plugins.js';
import compatRoutes from './compat/index.js';
import healthRoutes from './health.js';
import invokeRoutes from './invoke.js';
import metricsRoutes from './metrics.js';
import objectRoutes from './objects.js';
import pluginRoutes from './plugins.js';
import registryRoutes from './registry.js';

export async function registerRoutes(app: FastifyInstance): Promise<void> {
  // On the root instance, before any route: it covers every route marked `config: { invocation }`.
  registerInvokeAuth(app, app.gateway.config, app.gateway.operations);
  await app.register(healthRoutes);
  await app.register(metricsRoutes);
  await app.register(pluginRoutes);
  await app.register(adminRoutes);
  await app.register(invokeRoutes);
  await app.register(objectRoutes);
  await app.register(authPluginRoutes);
  await app.register(compatRoutes);
  // The marketplace folder, read-only, only when MODGATE_REGISTRY_DIR is set.
  if (app.gateway.config.registryDir !== undefined) await app.register(registryRoutes);
}
