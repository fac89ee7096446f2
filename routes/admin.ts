// Admin API for installed plugins: upload (POST /plugins), new version with hot reload
// (PUT /plugins/:name), versions, rollback and config changes. Every route needs the admin
// token. Uploads are multipart forms (src/http/multipart.ts); docs/admin.md has examples.
import multipart from '@fastify/multipart';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ConfigPatch, PluginVersions, RollbackRequest } from '../schemas/admin.js';
import { errorResponses, ref, PluginNameParams } from '../schemas/common.js';
import { PluginDetail } from '../schemas/plugins.js';
import { MAX_UPLOAD_FILES, type InstallResult, type Upload } from '../src/core/install.js';
import type { PluginHandle } from '../src/core/lifecycle.js';
import { ModgateError } from '../src/errors.js';
import { adminGuard } from '../src/http/admin-auth.js';
import { multipartOptions, readUpload, type UploadLimits } from '../src/http/multipart.js';
import { describe } from './views.js';

const UPLOAD_FORM = `Multipart form: \`manifest\` (plugin.yaml) plus one file part per file the plugin needs, each stored under its own filename (\`curl -F manifest=@plugin.yaml -F file=@embedder.wasm\`), or \`bundle\` (a .tgz of the plugin folder). Optional fields: \`sha256\` (expected digest of the bundle, or of the manifest’s binary) and \`config\` (JSON object of config values). At most MODGATE_MAX_UPLOAD bytes. Native plugins need MODGATE_ALLOW_NATIVE_UPLOADS=true.`;

const adminRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { manager, installer, config } = app.gateway;
  const requireAdmin = adminGuard(config.adminToken);
  const limits: UploadLimits = { maxBytes: config.maxUpload, maxFiles: MAX_UPLOAD_FILES };
  await app.register(multipart, multipartOptions(limits));

  const detail = (handle: PluginHandle) => describe(handle, manager.statsFor(handle.name).snapshot());

  /** Refuses a declared body over the cap before reading any of it. */
  const checkLength = async (request: FastifyRequest) => {
    const declared = Number(request.headers['content-length']);
    // Multipart framing adds a little per part on top of the files themselves.
    if (Number.isFinite(declared) && declared > limits.maxBytes + 1024 * 1024) {
      throw new ModgateError('MODGATE_PAYLOAD_TOO_LARGE', `the upload is larger than ${limits.maxBytes} bytes (MODGATE_MAX_UPLOAD)`);
    }
  };

  const receive = async (request: FastifyRequest, install: (upload: Upload) => Promise<InstallResult>) => {
    const store = await installer.store();
    const staging = await store.createStaging();
    try {
      return await install(await readUpload(request, staging.dir, limits));
    } finally {
      await staging.dispose();
    }
  };

  const setOutcome = (reply: FastifyReply, result: InstallResult) => reply.header('x-modgate-outcome', result.outcome);

  app.post(
    '/plugins',
    {
      onRequest: [requireAdmin, checkLength],
      schema: {
        tags: ['plugins'],
        summary: 'Install a plugin',
        description: `Stores the plugin durably, loads it and makes it active. ${UPLOAD_FORM} 409 when the name is taken (use PUT for a new version).`,
        security: [{ adminToken: [] }],
        consumes: ['multipart/form-data'],
        response: { 201: ref(PluginDetail), ...errorResponses(400, 401, 403, 409, 413, 415, 422) },
      },
    },
    async (request, reply) => {
      const result = await receive(request, (upload) => installer.install(upload));
      setOutcome(reply, result);
      return reply.code(201).send(detail(result.handle));
    },
  );

  app.put(
    '/plugins/:name',
    {
      onRequest: [requireAdmin, checkLength],
      schema: {
        tags: ['plugins'],
        summary: 'Upload a new version (hot reload)',
        description: `Loads the new version beside the running one, checks its health, swaps it in and drains the old one; no call is lost. If the new version fails, the running one keeps serving and the 422 says why. The same version with the same bytes again is idempotent; with other bytes it is refused (409 MODGATE_VERSION_CONFLICT). Config values are carried over (keys the new manifest no longer declares are dropped). A plugin from the plugins directory can be replaced this way: the uploaded version then wins, also after a restart. ${UPLOAD_FORM} The \`x-modgate-outcome\` header says updated, activated (a kept version made active again) or unchanged.`,
        security: [{ adminToken: [] }],
        consumes: ['multipart/form-data'],
        params: PluginNameParams,
        response: { 200: ref(PluginDetail), ...errorResponses(400, 401, 403, 404, 409, 413, 415, 422) },
      },
    },
    async (request, reply) => {
      const result = await receive(request, (upload) => installer.update(request.params.name, upload));
      setOutcome(reply, result);
      return detail(result.handle);
    },
  );

  app.get(
    '/plugins/:name/versions',
    {
      onRequest: requireAdmin,
      schema: {
        tags: ['plugins'],
        summary: 'List kept versions',
        description: 'The versions kept for rollback (MODGATE_KEEP_VERSIONS), oldest first, and which one is active.',
        security: [{ adminToken: [] }],
        params: PluginNameParams,
        response: { 200: ref(PluginVersions), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => installer.versions(request.params.name),
  );

  app.post(
    '/plugins/:name/rollback',
    {
      onRequest: requireAdmin,
      schema: {
        tags: ['plugins'],
        summary: 'Roll back to a kept version',
        description:
          '`{"version": "1.0.0"}`, or no body for the previously active version. A hot reload like PUT: the running version keeps serving if the target fails to load (422).',
        security: [{ adminToken: [] }],
        params: PluginNameParams,
        body: Type.Union([ref(RollbackRequest), Type.Null()]),
        response: { 200: ref(PluginDetail), ...errorResponses(400, 401, 403, 404, 422) },
      },
    },
    async (request, reply) => {
      const result = await installer.rollback(request.params.name, request.body?.version);
      setOutcome(reply, result);
      return detail(result.handle);
    },
  );

  app.patch(
    '/plugins/:name/config',
    {
      onRequest: requireAdmin,
      schema: {
        tags: ['plugins'],
        summary: 'Change config values',
        description:
          'Merges the given keys into the plugin’s config, checks them against the manifest and applies them with a hot reload; they survive restarts. Secret values are write-only: answers and logs show "***", and they are stored in the owner-only (0600) state file.',
        security: [{ adminToken: [] }],
        params: PluginNameParams,
        body: ref(ConfigPatch),
        response: { 200: ref(PluginDetail), ...errorResponses(400, 401, 403, 404, 422) },
      },
    },
    async (request) => detail(await installer.configure(request.params.name, request.body)),
  );
};

export default adminRoutes;
