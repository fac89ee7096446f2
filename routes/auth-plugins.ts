// Auth plugins: authenticate credentials, authorize an identity.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AuthenticateRequest, AuthenticateResponse, AuthorizeRequest, AuthorizeResponse } from '../schemas/auth.js';
import { errorResponses, ref, PluginNameParams } from '../schemas/common.js';
import { clientSignal } from '../src/http/client-signal.js';

const CALL_ERRORS = errorResponses(400, 401, 403, 404, 502, 503, 504);

const authPluginRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { operations } = app.gateway;

  app.post(
    '/plugins/:name/authenticate',
    {
      config: { invocation: true },
      schema: {
        tags: ['auth'],
        summary: 'Authenticate credentials',
        description: 'Answers `authenticated: false` (200) for credentials the plugin does not accept.',
        params: PluginNameParams,
        body: ref(AuthenticateRequest),
        response: { 200: ref(AuthenticateResponse), ...CALL_ERRORS },
      },
    },
    async (request, reply) => {
      const identity = await operations.authenticate(request.params.name, request.body, { signal: clientSignal(reply) });
      return identity ? { authenticated: true, identity } : { authenticated: false };
    },
  );

  app.post(
    '/plugins/:name/authorize',
    {
      config: { invocation: true },
      schema: {
        tags: ['auth'],
        summary: 'Authorize an action',
        params: PluginNameParams,
        body: ref(AuthorizeRequest),
        response: { 200: ref(AuthorizeResponse), ...CALL_ERRORS },
      },
    },
    async (request, reply) => {
      const { identity, resource, action } = request.body;
      return operations.authorize(request.params.name, identity, resource, action, { signal: clientSignal(reply) });
    },
  );
};

export default authPluginRoutes;
