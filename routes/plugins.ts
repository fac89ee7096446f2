// Plugin management: list, inspect, health, reload, remove.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { errorResponses, ref, PluginNameParams } from '../schemas/common.js';
import { PluginDetail, PluginHealth, PluginList, PluginListQuery } from '../schemas/plugins.js';
import { adminGuard } from '../src/http/admin-auth.js';
import { messageOf } from '../src/errors.js';
import { notFound } from '../src/core/registry.js';
import { describe, describeBroken, summarize, summarizeBroken } from './views.js';

const pluginRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { manager } = app.gateway;
  const requireAdmin = adminGuard(app.gateway.config.adminToken);

  app.get(
    '/plugins',
    {
      schema: {
        tags: ['plugins'],
        summary: 'List plugins',
        description: 'Every installed plugin with its state; filter with ?type= and ?state=.',
        querystring: PluginListQuery,
        response: { 200: ref(PluginList), ...errorResponses(400) },
      },
    },
    async (request) => {
      const { type, state } = request.query;
      const all = [...manager.registry.list().map(summarize), ...manager.registry.listBroken().map(summarizeBroken)];
      const plugins = all
        .filter((p) => (type === undefined || p.type === type) && (state === undefined || p.state === state))
        .sort((a, b) => a.name.localeCompare(b.name));
      return { plugins };
    },
  );

  app.get(
    '/plugins/:name',
    {
      schema: {
        tags: ['plugins'],
        summary: 'Describe a plugin',
        description: 'Manifest (secrets shown as ***), state, version, runtime, limits and recent call statistics.',
        params: PluginNameParams,
        response: { 200: ref(PluginDetail), ...errorResponses(400, 404) },
      },
    },
    async (request) => {
      const { name } = request.params;
      const handle = manager.registry.get(name);
      const stats = manager.statsFor(name).snapshot();
      if (handle) return describe(handle, stats);
      const broken = manager.registry.findBroken(name);
      if (broken) return describeBroken(broken, stats);
      throw notFound(name);
    },
  );

  app.get(
    '/plugins/:name/health',
    {
      schema: {
        tags: ['plugins'],
        summary: 'Check a plugin’s health',
        description: 'Asks the plugin itself; 503 when it is not ready or reports unhealthy.',
        params: PluginNameParams,
        response: { 200: ref(PluginHealth), 503: ref(PluginHealth), ...errorResponses(400, 404) },
      },
    },
    async (request, reply) => {
      const handle = manager.registry.require(request.params.name);
      const loaded = handle.loaded;
      let healthy = false;
      let detail: string | undefined = handle.failureReason;
      if (handle.state === 'ready' && loaded) {
        const availability = loaded.availability?.();
        if (availability && !availability.available) detail = availability.reason;
        else {
          const status = await loaded.health().catch((err: unknown) => ({ healthy: false, detail: messageOf(err) }));
          healthy = status.healthy;
          detail = status.detail;
        }
      } else detail ??= `plugin is ${handle.state}`;
      const body = { name: handle.name, state: handle.state, healthy, ...(detail ? { detail } : {}) };
      return reply.code(healthy ? 200 : 503).send(body);
    },
  );

  app.post(
    '/plugins/:name/reload',
    {
      preHandler: requireAdmin,
      schema: {
        tags: ['plugins'],
        summary: 'Hot-reload a plugin',
        description:
          'Loads the plugin’s folder again beside the running version, checks its health, swaps it in and drains the old one. On failure the running version keeps serving (422 says why).',
        security: [{ adminToken: [] }],
        params: PluginNameParams,
        response: { 200: ref(PluginDetail), ...errorResponses(400, 401, 403, 404, 422) },
      },
    },
    async (request) => {
      const { name } = request.params;
      const handle = await manager.reload(name);
      return describe(handle, manager.statsFor(name).snapshot());
    },
  );

  app.delete(
    '/plugins/:name',
    {
      preHandler: requireAdmin,
      schema: {
        tags: ['plugins'],
        summary: 'Remove a plugin',
        description:
          'Stops new calls, waits for in-flight ones (up to the drain timeout), stops the plugin and removes it from the store (its files are collected). A plugin loaded from the plugins directory comes back at the next start unless its folder is removed.',
        security: [{ adminToken: [] }],
        params: PluginNameParams,
        response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      await app.gateway.installer.remove(request.params.name);
      return reply.code(204).send(null);
    },
  );
};

export default pluginRoutes;
