// The plugin contract (src/core/types.ts) on top of the protocol: each operation becomes one
// call on the plugin's current connection, with the caller's deadline and abort signal.
import type {
  Auth,
  CallContext,
  Generator,
  Identity,
  PluginApiByType,
  PluginType,
  Reranker,
  Storage,
  Transformer,
  Vectorizer,
} from '../../core/types.js';
import { ModgateError } from '../../errors.js';
import { coalesceVectorize, type Coalescing } from '../coalesce.js';
import type { PluginChannel } from './channel.js';
import type {
  AuthenticateResponse,
  AuthorizeResponse,
  EmbedResponse,
  GenerateChunk,
  GetResponse,
  IdentityMsg,
  ListResponse,
  RerankResponse,
  TransformResponse,
} from './messages.js';

/** A stream is bounded per chunk by resources.timeout (the core cancels it); as a whole by this. */
export const STREAM_DEADLINE_MS = 10 * 60 * 1000;

/**
 * The gRPC deadline trails the core's own time cap (ctx.timeoutMs) a little: the core's timer
 * answers the caller (504, naming resources.timeout) and cancels the call; the deadline is the
 * plugin's backstop, and the gateway's if the core's timer were ever late.
 */
export const DEADLINE_SLACK_MS = 250;

/** What the adapters need from whoever owns the connection (a local process or a remote endpoint). */
export interface ConnectionSource {
  readonly pluginName: string;
  /** The live connection; throws a 503 ModgateError when there is none right now. */
  channel(): PluginChannel;
  /** Vector length the plugin reported (vectorizers). */
  dimensions(): number;
  /** A call failed with UNAVAILABLE: the owner may want to check on the plugin now. */
  suspect?(): void;
}

/** `coalescing`: how single-text vectorize calls are gathered into Embed batches (runtimes/coalesce.ts). */
export function createApi<T extends PluginType>(type: T, source: ConnectionSource, coalescing: Coalescing): PluginApiByType[T] {
  const factories: { [K in PluginType]: (s: ConnectionSource) => PluginApiByType[K] } = {
    vectorizer: (s) => coalesceVectorize(vectorizerApi(s), coalescing),
    transformer: transformerApi,
    reranker: rerankerApi,
    generator: generatorApi,
    storage: storageApi,
    auth: authApi,
  };
  return factories[type](source) as PluginApiByType[T];
}

async function unary<R>(source: ConnectionSource, method: string, request: object, ctx: CallContext): Promise<R> {
  try {
    return await source.channel().unary<R>('service', method, request, { timeoutMs: ctx.timeoutMs + DEADLINE_SLACK_MS, signal: ctx.signal });
  } catch (err) {
    if (err instanceof ModgateError && err.code === 'MODGATE_PLUGIN_UNAVAILABLE') source.suspect?.();
    throw err;
  }
}

function vectorizerApi(source: ConnectionSource): Vectorizer {
  const embed = async (texts: string[], ctx: CallContext) => {
    const response = await unary<EmbedResponse>(source, 'Embed', { texts }, ctx);
    return response.vectors.map((v) => v.values);
  };
  return {
    get dimensions() {
      return source.dimensions();
    },
    async vectorize(text, ctx) {
      const [vector] = await embed([text], ctx);
      if (!vector) throw badOutput(source, 'Embed returned no vector');
      return vector;
    },
    vectorizeBatch: embed,
  };
}

function transformerApi(source: ConnectionSource): Transformer {
  const transform = async (texts: string[], ctx: CallContext) => {
    const response = await unary<TransformResponse>(source, 'Transform', { texts }, ctx);
    return response.results.map((r) => r.texts);
  };
  return {
    async transform(text, ctx) {
      const [outputs] = await transform([text], ctx);
      if (!outputs) throw badOutput(source, 'Transform returned no result');
      return outputs;
    },
    transformBatch: transform,
  };
}

function rerankerApi(source: ConnectionSource): Reranker {
  return {
    async rerank(query, documents, topN, ctx) {
      const request = { query, documents, topN: topN === undefined ? null : { value: topN } };
      const response = await unary<RerankResponse>(source, 'Rerank', request, ctx);
      return response.hits.map((h) => ({ index: h.index, score: h.score }));
    },
  };
}

function generatorApi(source: ConnectionSource): Generator {
  return {
    async *generate(request, ctx) {
      const message = {
        prompt: request.prompt === undefined ? null : { value: request.prompt },
        messages: request.messages ?? [],
        maxTokens: request.maxTokens === undefined ? null : { value: request.maxTokens },
      };
      const timeoutMs = Math.max(ctx.timeoutMs, STREAM_DEADLINE_MS);
      try {
        for await (const chunk of source.channel().serverStream<GenerateChunk>('Generate', message, { timeoutMs, signal: ctx.signal })) {
          yield chunk.text;
        }
      } catch (err) {
        if (err instanceof ModgateError && err.code === 'MODGATE_PLUGIN_UNAVAILABLE') source.suspect?.();
        throw err;
      }
    },
  };
}

function storageApi(source: ConnectionSource): Storage {
  return {
    async put(key, object, ctx) {
      const value = Buffer.from(object.value.buffer, object.value.byteOffset, object.value.byteLength);
      await unary(source, 'Put', { key, value, contentType: object.contentType }, ctx);
    },
    async get(key, ctx) {
      const response = await unary<GetResponse>(source, 'Get', { key }, ctx);
      if (!response.found) return null;
      return { value: new Uint8Array(response.value), contentType: response.contentType || 'application/octet-stream' };
    },
    async delete(key, ctx) {
      const response = await unary<{ existed: boolean }>(source, 'Delete', { key }, ctx);
      return response.existed;
    },
    async list(prefix, limit, ctx) {
      const response = await unary<ListResponse>(source, 'List', { prefix, limit }, ctx);
      return response.objects.map((o) => ({ key: o.key, size: o.size, contentType: o.contentType }));
    },
  };
}

function authApi(source: ConnectionSource): Auth {
  const wrap = (value: string | undefined) => (value === undefined ? null : { value });
  return {
    async authenticate(credentials, ctx) {
      const request = { token: wrap(credentials.token), username: wrap(credentials.username), password: wrap(credentials.password) };
      const response = await unary<AuthenticateResponse>(source, 'Authenticate', request, ctx);
      if (!response.authenticated) return null;
      if (!response.identity) throw badOutput(source, 'Authenticate said authenticated but sent no identity');
      return identityFromMessage(source, response.identity);
    },
    async authorize(identity, resource, action, ctx) {
      const request = { identity: identityToMessage(identity), resource, action };
      const response = await unary<AuthorizeResponse>(source, 'Authorize', request, ctx);
      return response.reason ? { allowed: response.allowed, reason: response.reason } : { allowed: response.allowed };
    },
  };
}

function identityToMessage(identity: Identity): IdentityMsg {
  return {
    subject: identity.subject,
    roles: identity.roles ?? [],
    claimsJson: identity.claims === undefined ? '' : JSON.stringify(identity.claims),
  };
}

function identityFromMessage(source: ConnectionSource, message: IdentityMsg): Identity {
  const identity: Identity = { subject: message.subject, roles: message.roles };
  if (message.claimsJson !== '') {
    let claims: unknown;
    try {
      claims = JSON.parse(message.claimsJson);
    } catch {
      throw badOutput(source, 'identity.claims_json is not JSON');
    }
    if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) throw badOutput(source, 'identity.claims_json is not a JSON object');
    identity.claims = claims as Record<string, unknown>;
  }
  return identity;
}

function badOutput(source: ConnectionSource, what: string): ModgateError {
  return new ModgateError('MODGATE_PLUGIN_BAD_OUTPUT', `plugin "${source.pluginName}" returned invalid output: ${what}`);
}
