// The plugin-type interfaces (core/types.ts) on top of pool calls: each operation becomes one
// worker task. Vectors arrive as one transferred buffer and are handed out as views on it.
import type {
  Auth,
  CallContext,
  Credentials,
  GenerateRequest,
  Generator,
  Identity,
  PluginApiByType,
  PluginType,
  Reranker,
  Storage,
  StoredObject,
  Transformer,
  Vectorizer,
} from '../../core/types.js';
import { ModgateError } from '../../errors.js';
import { coalesceVectorize, type Coalescing } from '../coalesce.js';
import type { WireObject } from './outputs.js';
import type { WasmRequest } from './tasks.js';

export type PoolCall = (request: WasmRequest, signal: AbortSignal) => Promise<{ value: unknown; vectors?: ArrayBuffer }>;

export function createApi<T extends PluginType>(
  type: T,
  plugin: string,
  call: PoolCall,
  dimensions: number | undefined,
  /** How single-text vectorize calls are gathered into batch tasks (runtimes/coalesce.ts). */
  coalescing: Coalescing,
): PluginApiByType[T] {
  const json = async <R>(name: Extract<WasmRequest, { op: 'json' }>['export'], input: unknown, ctx: CallContext): Promise<R> =>
    (await call({ op: 'json', export: name, input }, ctx.signal)).value as R;
  const apis: { [K in PluginType]: () => PluginApiByType[K] } = {
    vectorizer: () => coalesceVectorize(vectorizer(plugin, call, dimensions!), coalescing),
    transformer: () => transformer(call),
    reranker: (): Reranker => ({
      rerank: (query, documents, topN, ctx) => json('mg_rerank', { query, documents, ...(topN !== undefined ? { topN } : {}) }, ctx),
    }),
    generator: (): Generator => ({
      async *generate(request: GenerateRequest, ctx: CallContext) {
        const text = await json<string>('mg_generate', request, ctx);
        if (text.length > 0) yield text;
      },
    }),
    storage: (): Storage => ({
      put: async (key, object, ctx) => {
        await json('mg_put', { key, value: Buffer.from(object.value).toString('base64'), contentType: object.contentType }, ctx);
      },
      get: async (key, ctx) => {
        const found = await json<WireObject | null>('mg_get', { key }, ctx);
        return found === null ? null : ({ value: found.value, contentType: found.contentType } satisfies StoredObject);
      },
      delete: (key, ctx) => json('mg_delete', { key }, ctx),
      list: (prefix, limit, ctx) => json('mg_list', { prefix, limit }, ctx),
    }),
    auth: (): Auth => ({
      authenticate: (credentials: Credentials, ctx) => json<Identity | null>('mg_authenticate', credentials, ctx),
      authorize: (identity, resource, action, ctx) => json('mg_authorize', { identity, resource, action }, ctx),
    }),
  };
  return apis[type]();
}

function vectorizer(plugin: string, call: PoolCall, dimensions: number): Vectorizer {
  const vectors = async (texts: string[], batch: boolean, ctx: CallContext): Promise<Float32Array[]> => {
    const { vectors: buffer } = await call({ op: 'vectorize', texts, batch }, ctx.signal);
    if (!(buffer instanceof ArrayBuffer) || buffer.byteLength !== texts.length * dimensions * 4) {
      // A worker instance whose mg_dimensions() disagrees with the one probed at load.
      throw new ModgateError('MODGATE_PLUGIN_BAD_OUTPUT', `plugin "${plugin}" returned vectors that are not ${dimensions} float32 each`);
    }
    return texts.map((_, i) => new Float32Array(buffer, i * dimensions * 4, dimensions));
  };
  return {
    dimensions,
    vectorize: async (text, ctx) => (await vectors([text], false, ctx))[0],
    vectorizeBatch: async (texts, ctx) => (texts.length === 0 ? [] : vectors(texts, true, ctx)),
  };
}

function transformer(call: PoolCall): Transformer {
  const run = async (texts: string[], batch: boolean, ctx: CallContext) => (await call({ op: 'transform', texts, batch }, ctx.signal)).value as string[][];
  return {
    transform: async (text, ctx) => (await run([text], false, ctx))[0],
    transformBatch: async (texts, ctx) => (texts.length === 0 ? [] : run(texts, true, ctx)),
  };
}
