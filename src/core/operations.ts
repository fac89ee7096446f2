// The typed operations every front door (REST, OpenAI, Weaviate, Cohere/Jina) calls: input
// limits are checked before a plugin sees the input, and a plugin's output is checked before
// a client sees it, so a buggy plugin is a clear 502, never a malformed answer.
import { ModgateError } from '../errors.js';
import { invoke, invokeStream, type InvokeOptions } from './invoke.js';
import type { PluginHandle } from './lifecycle.js';
import type { PluginManager } from './manager.js';
import type {
  AuthDecision,
  Credentials,
  GenerateRequest,
  Identity,
  ObjectInfo,
  RerankHit,
  StoredObject,
} from './types.js';

export interface InputLimits {
  /** Batch size when a plugin declares no capabilities.maxBatchSize. */
  maxBatchSize: number;
  /** Characters per input text when a plugin declares no capabilities.maxInputLength. */
  maxInputLength: number;
}

export interface VectorizeResult {
  vectors: Float32Array[];
  dimensions: number;
  model: string;
  version: string;
}

export class PluginOperations {
  constructor(
    private readonly manager: PluginManager,
    private readonly limits: InputLimits,
  ) {}

  async vectorize(name: string, texts: string[], options: InvokeOptions = {}): Promise<VectorizeResult> {
    return invoke(
      this.manager,
      name,
      'vectorizer',
      texts.length === 1 ? 'vectorize' : 'vectorizeBatch',
      async (api, ctx, lease) => {
        this.checkTexts(lease.handle, texts);
        const vectors = texts.length === 1 ? [await api.vectorize(texts[0], ctx)] : await api.vectorizeBatch(texts, ctx);
        checkVectors(lease.handle.name, vectors, texts.length, api.dimensions);
        return { vectors, dimensions: api.dimensions, model: modelOf(lease.handle), version: lease.handle.version };
      },
      options,
    );
  }

  async transform(name: string, texts: string[], options: InvokeOptions = {}): Promise<string[][]> {
    return invoke(
      this.manager,
      name,
      'transformer',
      texts.length === 1 ? 'transform' : 'transformBatch',
      async (api, ctx, lease) => {
        this.checkTexts(lease.handle, texts);
        const outputs = texts.length === 1 ? [await api.transform(texts[0], ctx)] : await api.transformBatch(texts, ctx);
        if (!Array.isArray(outputs) || outputs.length !== texts.length || !outputs.every(isStringArray)) {
          throw badOutput(name, `expected ${texts.length} lists of strings`);
        }
        return outputs;
      },
      options,
    );
  }

  async rerank(name: string, query: string, documents: string[], topN: number | undefined, options: InvokeOptions = {}): Promise<RerankHit[]> {
    return invoke(
      this.manager,
      name,
      'reranker',
      'rerank',
      async (api, ctx, lease) => {
        this.checkTexts(lease.handle, [query]);
        this.checkTexts(lease.handle, documents);
        const hits = await api.rerank(query, documents, topN, ctx);
        checkHits(name, hits, documents.length, topN);
        return hits;
      },
      options,
    );
  }

  /** Streams generated text; the first chunk is awaited by callers before they commit to a status. */
  generate(name: string, request: GenerateRequest, options: InvokeOptions = {}): AsyncGenerator<string> {
    return invokeStream(
      this.manager,
      name,
      'generator',
      'generate',
      (api, ctx) => checkedChunks(name, api.generate(request, ctx)),
      options,
    );
  }

  async put(name: string, key: string, object: StoredObject, options: InvokeOptions = {}): Promise<void> {
    return invoke(this.manager, name, 'storage', 'put', (api, ctx) => api.put(key, object, ctx), options);
  }

  async get(name: string, key: string, options: InvokeOptions = {}): Promise<StoredObject> {
    const object = await invoke(this.manager, name, 'storage', 'get', (api, ctx) => api.get(key, ctx), options);
    if (object === null) throw new ModgateError('MODGATE_OBJECT_NOT_FOUND', `plugin "${name}" has no object with key "${key}"`);
    if (!(object.value instanceof Uint8Array)) throw badOutput(name, 'get returned no bytes');
    return object;
  }

  async delete(name: string, key: string, options: InvokeOptions = {}): Promise<void> {
    const existed = await invoke(this.manager, name, 'storage', 'delete', (api, ctx) => api.delete(key, ctx), options);
    if (!existed) throw new ModgateError('MODGATE_OBJECT_NOT_FOUND', `plugin "${name}" has no object with key "${key}"`);
  }

  async list(name: string, prefix: string, limit: number, options: InvokeOptions = {}): Promise<ObjectInfo[]> {
    return invoke(this.manager, name, 'storage', 'list', (api, ctx) => api.list(prefix, limit, ctx), options);
  }

  async authenticate(name: string, credentials: Credentials, options: InvokeOptions = {}): Promise<Identity | null> {
    return invoke(this.manager, name, 'auth', 'authenticate', (api, ctx) => api.authenticate(credentials, ctx), options);
  }

  async authorize(name: string, identity: Identity, resource: string, action: string, options: InvokeOptions = {}): Promise<AuthDecision> {
    const decision = await invoke(
      this.manager,
      name,
      'auth',
      'authorize',
      (api, ctx) => api.authorize(identity, resource, action, ctx),
      options,
    );
    if (typeof decision?.allowed !== 'boolean') throw badOutput(name, 'authorize must return {allowed: boolean}');
    return decision;
  }

  private checkTexts(handle: PluginHandle, texts: string[]): void {
    const caps = handle.manifest.spec.capabilities;
    const maxBatch = caps?.maxBatchSize ?? this.limits.maxBatchSize;
    if (texts.length > maxBatch) {
      throw new ModgateError(
        'MODGATE_BATCH_TOO_LARGE',
        `plugin "${handle.name}" accepts at most ${maxBatch} inputs per call; got ${texts.length} (split the batch)`,
      );
    }
    const maxLength = caps?.maxInputLength ?? this.limits.maxInputLength;
    const tooLong = texts.findIndex((t) => t.length > maxLength);
    if (tooLong >= 0) {
      throw new ModgateError(
        'MODGATE_INPUT_TOO_LARGE',
        `input ${tooLong} has ${texts[tooLong].length} characters; plugin "${handle.name}" accepts at most ${maxLength}`,
      );
    }
  }
}

export function modelOf(handle: PluginHandle): string {
  return handle.manifest.spec.capabilities?.model ?? handle.name;
}

function badOutput(plugin: string, what: string): ModgateError {
  return new ModgateError('MODGATE_PLUGIN_BAD_OUTPUT', `plugin "${plugin}" returned invalid output: ${what}`);
}

function checkVectors(plugin: string, vectors: Float32Array[], count: number, dimensions: number): void {
  if (!Array.isArray(vectors) || vectors.length !== count) {
    throw badOutput(plugin, `expected ${count} vectors, got ${Array.isArray(vectors) ? vectors.length : typeof vectors}`);
  }
  for (const [i, vector] of vectors.entries()) {
    if (!(vector instanceof Float32Array) || vector.length !== dimensions) {
      throw badOutput(plugin, `vector ${i} should be ${dimensions} float32 values`);
    }
    for (let j = 0; j < vector.length; j++) {
      if (!Number.isFinite(vector[j])) throw badOutput(plugin, `vector ${i} has a non-finite value at ${j}`);
    }
  }
}

function checkHits(plugin: string, hits: RerankHit[], documents: number, topN: number | undefined): void {
  if (!Array.isArray(hits)) throw badOutput(plugin, 'rerank must return a list of {index, score}');
  if (topN !== undefined && hits.length > topN) throw badOutput(plugin, `returned ${hits.length} results for topN ${topN}`);
  for (const hit of hits) {
    if (!Number.isInteger(hit?.index) || hit.index < 0 || hit.index >= documents || !Number.isFinite(hit.score)) {
      throw badOutput(plugin, `rerank result ${JSON.stringify(hit)} is not {index in [0, ${documents}), finite score}`);
    }
  }
}

async function* checkedChunks(plugin: string, chunks: AsyncIterable<string>): AsyncGenerator<string> {
  for await (const chunk of chunks) {
    if (typeof chunk !== 'string') throw badOutput(plugin, 'generate must yield strings');
    yield chunk;
  }
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}
