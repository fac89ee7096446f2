// The benchmark's ceiling: a bare Fastify server answering the gateway's vectorize and rerank
// routes with precomputed answers. Same paths, same request and response schemas (so the same
// validator and fast-json-stringify serializer), same float32 encoder, same Fastify options;
// the answers are the exact vectors and hits the bundled plugins return for the benchmark
// corpus, computed once at start. What remains is the cost of HTTP + JSON alone.
//
// Run as its own process (bench/run.ts starts it): `node --import tsx bench/baseline-server.ts <port>`.
import Fastify, { LogController, type FastifyBaseLogger } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import pino from 'pino';
import { ref, PluginNameParams } from '../schemas/common.js';
import { SHARED_SCHEMAS } from '../schemas/index.js';
import { RerankRequest, RerankResponse, VectorizeRequest, VectorizeResponse } from '../schemas/invoke.js';
import { loadConfig } from '../src/config.js';
import { registerValidation } from '../src/http/validation.js';
import { sendFloat32, sendVectorsJson, wantsFloat32 } from '../src/http/vectors.js';
import { DIMENSIONS, expectedHits, expectedVectors } from './expected.js';

const vectors = new Map<string, Float32Array>(expectedVectors());
const rerankHits = expectedHits();

const MODEL = 'hash-embedder';
const VERSION = '1.0.0';

/** The baseline app (not listening); bench/run.ts runs it as its own process. */
export async function buildBaselineApp() {
  const config = loadConfig({});
  const app = Fastify({
    loggerInstance: pino({ level: 'warn' }) as FastifyBaseLogger,
    bodyLimit: config.bodyLimit,
    logController: new LogController({ disableRequestLogging: true }),
  }).withTypeProvider<TypeBoxTypeProvider>();
  for (const schema of SHARED_SCHEMAS) app.addSchema(schema);
  registerValidation(app);

  app.post(
    '/plugins/:name/vectorize',
    { schema: { params: PluginNameParams, body: ref(VectorizeRequest), response: { 200: ref(VectorizeResponse) } } },
    async (request, reply) => {
      const { text, texts: many } = request.body;
      const found = text !== undefined ? [lookup(text)] : many!.map(lookup);
      if (wantsFloat32(request)) return sendFloat32(reply, found, DIMENSIONS, MODEL);
      const dimensions = DIMENSIONS;
      return sendVectorsJson(
        reply,
        text !== undefined ? { vector: found[0], dimensions, model: MODEL, version: VERSION } : { vectors: found, dimensions, model: MODEL, version: VERSION },
      );
    },
  );

  app.post(
    '/plugins/:name/rerank',
    { schema: { params: PluginNameParams, body: ref(RerankRequest), response: { 200: ref(RerankResponse) } } },
    async (request) => {
      const { documents, returnDocuments = true } = request.body;
      const results = rerankHits.map((hit) => (returnDocuments ? { ...hit, document: documents[hit.index] } : hit));
      return { results, model: 'bm25-reranker' };
    },
  );

  app.get('/health/ready', async () => ({ status: 'ok' as const }));
  return app;
}

function lookup(text: string): Float32Array {
  const found = vectors.get(text);
  if (!found) throw Object.assign(new Error('the baseline only knows the benchmark corpus'), { statusCode: 400 });
  return found;
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const app = await buildBaselineApp();
  await app.listen({ port: Number(process.argv[2] ?? 0), host: '127.0.0.1' });
  process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
}
