// Storage plugins: objects by key.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { errorResponses, ref, PluginNameParams } from '../schemas/common.js';
import { ObjectList, ObjectListQuery, ObjectParams, ObjectStored } from '../schemas/objects.js';
import { ModgateError } from '../src/errors.js';
import { clientSignal } from '../src/http/client-signal.js';

const CALL_ERRORS = errorResponses(400, 401, 403, 404, 413, 502, 503, 504);

const objectRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { operations } = app.gateway;

  // Object bodies are stored as sent, whatever their type.
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.put(
    '/plugins/:name/objects/:key',
    {
      config: { invocation: true },
      schema: {
        tags: ['storage'],
        summary: 'Store an object',
        description: 'The request body is stored as is, with its Content-Type.',
        params: ObjectParams,
        response: { 201: ref(ObjectStored), ...CALL_ERRORS },
      },
    },
    async (request, reply) => {
      const { name, key } = request.params;
      const value = toBytes(request.body);
      const contentType = request.headers['content-type'] ?? 'application/octet-stream';
      await operations.put(name, key, { value, contentType }, { signal: clientSignal(reply) });
      return reply.code(201).send({ key, size: value.byteLength });
    },
  );

  app.get(
    '/plugins/:name/objects/:key',
    {
      config: { invocation: true },
      schema: {
        tags: ['storage'],
        summary: 'Read an object',
        params: ObjectParams,
        response: { 200: Type.Unknown({ description: 'the stored bytes with their Content-Type' }), ...CALL_ERRORS },
      },
    },
    async (request, reply) => {
      const { name, key } = request.params;
      const object = await operations.get(name, key, { signal: clientSignal(reply) });
      return reply.type(object.contentType).send(Buffer.from(object.value.buffer, object.value.byteOffset, object.value.byteLength));
    },
  );

  app.delete(
    '/plugins/:name/objects/:key',
    {
      config: { invocation: true },
      schema: {
        tags: ['storage'],
        summary: 'Delete an object',
        params: ObjectParams,
        response: { 204: Type.Null(), ...CALL_ERRORS },
      },
    },
    async (request, reply) => {
      const { name, key } = request.params;
      await operations.delete(name, key, { signal: clientSignal(reply) });
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/plugins/:name/objects',
    {
      config: { invocation: true },
      schema: {
        tags: ['storage'],
        summary: 'List objects',
        description: 'Keys in order, filtered by ?prefix=, at most ?limit= (default 1000).',
        params: PluginNameParams,
        querystring: ObjectListQuery,
        response: { 200: ref(ObjectList), ...CALL_ERRORS },
      },
    },
    async (request, reply) => {
      const { prefix = '', limit = 1000 } = request.query;
      const objects = await operations.list(request.params.name, prefix, limit, { signal: clientSignal(reply) });
      return { objects };
    },
  );
};

function toBytes(body: unknown): Uint8Array {
  if (body instanceof Uint8Array) return body;
  if (typeof body === 'string') return Buffer.from(body);
  if (body === undefined || body === null) return new Uint8Array(0);
  // A JSON body fastify already parsed: store the JSON text.
  if (typeof body === 'object') return Buffer.from(JSON.stringify(body));
  throw new ModgateError('MODGATE_VALIDATION', 'the object body could not be read');
}

export default objectRoutes;
