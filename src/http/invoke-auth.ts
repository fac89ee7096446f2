// Authentication for invocation routes (calling plugins). A route opts in with
// `config: { invocation: true }` (the plugin is `:name`), or, when the plugin is named in the
// body (compat APIs), `config: { invocation: { plugin: (request) => request.body.model } }`.
//
//   no MODGATE_API_KEYS, no MODGATE_AUTH_PLUGIN   open (local use)
//   MODGATE_API_KEYS=k1,k2                        one of the keys, as `Authorization: Bearer <key>`
//                                                 or `x-api-key: <key>`; a key may call everything
//   MODGATE_AUTH_PLUGIN=<name>                    that auth plugin authenticates the credentials and
//                                                 authorizes (identity, `plugins/<plugin>`, `invoke`)
// With both, a listed key is accepted as is and other credentials go to the plugin.
// 401: no or invalid credentials; 403: authenticated but not allowed. docs/admin.md.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Credentials, Identity } from '../core/types.js';
import type { Config } from '../config.js';
import { ModgateError, isModgateError } from '../errors.js';
import type { PluginOperations } from '../core/operations.js';
import { clientSignal } from './client-signal.js';
import { bearerToken, secretsEqual } from './secrets.js';

export type InvocationAuth = true | { plugin(request: FastifyRequest): string | undefined };

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Marks an invocation route: API keys or the auth plugin apply to it (src/http/invoke-auth.ts). */
    invocation?: InvocationAuth;
  }
  interface FastifyRequest {
    /** Who called, once an invocation route authenticated the request through the auth plugin. */
    invocationIdentity?: Identity;
  }
}

export const RESOURCE_PREFIX = 'plugins/';
export const INVOKE_ACTION = 'invoke';

type AuthSettings = Pick<Config, 'apiKeys' | 'authPlugin'>;

/** Adds the hooks to `app` itself, so every route registered after this call is covered. */
export function registerInvokeAuth(app: FastifyInstance, settings: AuthSettings, operations: PluginOperations): void {
  const { apiKeys, authPlugin } = settings;
  if (apiKeys.length === 0 && authPlugin === undefined) return;

  app.addHook('onRequest', async (request, reply) => {
    if (!request.routeOptions.config.invocation) return;
    const credentials = credentialsOf(request);
    if (credentials.token !== undefined && apiKeys.length > 0 && isListedKey(credentials.token, apiKeys)) return;
    if (authPlugin === undefined) {
      throw unauthorized(
        reply,
        credentials.token === undefined
          ? 'this route needs an API key: send Authorization: Bearer <key> or x-api-key: <key>'
          : 'the API key is not valid',
      );
    }
    if (credentials.token === undefined && credentials.username === undefined) {
      throw unauthorized(reply, 'this route needs credentials: send Authorization: Bearer <token>, x-api-key: <key> or Basic credentials');
    }
    const identity = await askPlugin(authPlugin, () => operations.authenticate(authPlugin, credentials, { signal: clientSignal(reply) }));
    if (!identity) throw unauthorized(reply, 'the credentials are not valid');
    request.invocationIdentity = identity;
  });

  if (authPlugin === undefined) return;
  // Authorization waits for the body: compat routes name the plugin there.
  app.addHook('preHandler', async (request, reply) => {
    const setting = request.routeOptions.config.invocation;
    const identity = request.invocationIdentity;
    if (!setting || !identity) return;
    const plugin = pluginOf(request, setting);
    const resource = `${RESOURCE_PREFIX}${plugin ?? ''}`;
    const decision = await askPlugin(authPlugin, () =>
      operations.authorize(authPlugin, identity, resource, INVOKE_ACTION, { signal: clientSignal(reply) }),
    );
    if (!decision.allowed) {
      const why = decision.reason ? `: ${decision.reason}` : '';
      throw new ModgateError('MODGATE_FORBIDDEN', `"${identity.subject}" may not ${INVOKE_ACTION} ${resource}${why}`);
    }
  });
}

function pluginOf(request: FastifyRequest, setting: InvocationAuth): string | undefined {
  if (setting !== true) return setting.plugin(request);
  const params = request.params as { name?: unknown } | undefined;
  return typeof params?.name === 'string' ? params.name : undefined;
}

/** Bearer token, x-api-key, or Basic user and password, as the auth contract's Credentials. */
export function credentialsOf(request: FastifyRequest): Credentials {
  const header = request.headers.authorization;
  const bearer = bearerToken(header);
  if (bearer !== undefined) return { token: bearer };
  const apiKey = request.headers['x-api-key'];
  if (typeof apiKey === 'string' && apiKey.trim() !== '') return { token: apiKey.trim() };
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (basic) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  return {};
}

/** Compares with every key (constant time each, no early exit) so timing says nothing about which matched. */
function isListedKey(token: string, keys: string[]): boolean {
  let found = false;
  for (const key of keys) if (secretsEqual(token, key)) found = true;
  return found;
}

function unauthorized(reply: FastifyReply, message: string): ModgateError {
  reply.header('www-authenticate', 'Bearer realm="modgate"');
  return new ModgateError('MODGATE_UNAUTHORIZED', message);
}

/** The auth plugin missing or broken fails closed, as 503: the caller did nothing wrong. */
async function askPlugin<T>(authPlugin: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (isModgateError(err) && (err.code === 'MODGATE_PLUGIN_NOT_FOUND' || err.code === 'MODGATE_UNSUPPORTED_OPERATION')) {
      throw new ModgateError(
        'MODGATE_PLUGIN_UNAVAILABLE',
        `the auth plugin "${authPlugin}" (MODGATE_AUTH_PLUGIN) is not installed or is not an auth plugin; requests cannot be authenticated`,
        { retryAfter: 5 },
      );
    }
    throw err;
  }
}
