// A marketplace folder served read-only at /registry (MODGATE_REGISTRY_DIR), so one gateway
// can be the marketplace of a fleet: GET /registry/index.json and the bundles (and their
// .sig files) under /registry/bundles/. Nothing else in or outside the folder is reachable:
// no listings, no hidden files, no paths that leave it (checked again after symlinks).
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { errorResponses } from '../schemas/common.js';
import { ModgateError } from '../src/errors.js';

const INDEX = 'index.json';
/** Each segment: a letter or digit first (no dot files), then the characters bundle names use. */
const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,254}$/;
const CONTENT_TYPES: Record<string, string> = {
  '.json': 'application/json; charset=utf-8',
  '.tgz': 'application/gzip',
  '.sig': 'application/json; charset=utf-8',
};

/** The file a request path names, relative to the registry folder, or undefined when it may not be served. */
export function registryFile(requested: string): string | undefined {
  if (requested === INDEX) return INDEX;
  const parts = requested.split('/');
  if (parts.length < 2 || parts.length > 8 || parts[0] !== 'bundles') return undefined;
  if (!parts.every((p) => SEGMENT.test(p) && p !== '..')) return undefined;
  const ext = path.extname(requested);
  if (ext !== '.tgz' && ext !== '.sig') return undefined;
  return parts.join('/');
}

function isInside(root: string, target: string): boolean {
  const rel = path.relative(root, target);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

const registryRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const dir = app.gateway.config.registryDir;
  if (dir === undefined) return;
  const root = path.resolve(dir);

  const missing = (requested: string) => new ModgateError('MODGATE_NOT_FOUND', `the registry has no file ${JSON.stringify(requested)}`);

  app.get(
    '/registry/*',
    {
      schema: {
        tags: ['registry'],
        summary: 'Read the marketplace',
        description:
          'The plugin marketplace this gateway serves (MODGATE_REGISTRY_DIR): `index.json`, and bundles under `bundles/<name>/<name>-<version>.tgz` with their `.sig` files. Point `modgate plugin install --registry <gateway>/registry` at it.',
        params: Type.Object({ '*': Type.String({ maxLength: 1024 }) }),
        response: { 200: Type.Unknown({ description: 'index.json, a .tgz bundle or a .sig file' }), ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      const requested = request.params['*'];
      const rel = registryFile(requested);
      if (rel === undefined) throw missing(requested);
      let real: string;
      let realRoot: string;
      try {
        [realRoot, real] = await Promise.all([realpath(root), realpath(path.join(root, ...rel.split('/')))]);
      } catch {
        throw missing(requested);
      }
      if (!isInside(realRoot, real)) throw missing(requested);
      const info = await stat(real);
      if (!info.isFile()) throw missing(requested);
      const ext = path.extname(rel);
      return reply
        .type(CONTENT_TYPES[ext])
        .header('content-length', String(info.size))
        .header('last-modified', info.mtime.toUTCString())
        // The index (and a bundle's .sig) can change with a publish; a published bundle never does.
        .header('cache-control', ext === '.tgz' ? 'public, max-age=31536000, immutable' : 'no-cache')
        .send(createReadStream(real));
    },
  );
};

export default registryRoutes;
