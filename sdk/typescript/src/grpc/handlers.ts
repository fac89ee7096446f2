// The plugin type's gRPC service on top of an implementation of the native interface
// (src/core/types.ts): messages in, interface call, messages out; anything the
// implementation throws becomes a gRPC status (ModgateError keeps its meaning).
import { once } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import type {
  Auth,
  CallContext,
  ChatMessage,
  Generator,
  Identity,
  PluginApiByType,
  PluginType,
  Reranker,
  Storage,
  Transformer,
  Vectorizer,
} from '../../../../src/core/types.js';
import type {
  AuthenticateRequest,
  AuthorizeRequest,
  EmbedRequest,
  GenerateRequestMsg,
  IdentityMsg,
  ListRequest,
  PutRequest,
  RerankRequest,
  TransformRequest,
} from '../../../../src/runtimes/grpc/messages.js';
import { statusOfThrown } from '../../../../src/runtimes/grpc/status.js';
import { callContext } from './call-context.js';

/** The configured implementation, or a gRPC error when Configure has not succeeded yet. */
export type InstanceSource<T extends PluginType> = () => PluginApiByType[T];

export function toServiceError(err: unknown): Partial<grpc.ServiceError> {
  const { code, details } = statusOfThrown(err);
  return { code, details, message: details };
}

export function unaryHandler<Req, Res>(work: (request: Req, ctx: CallContext) => Promise<Res>): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    const { ctx, dispose } = callContext(call);
    let running: Promise<Res>;
    try {
      running = work(call.request, ctx);
    } catch (err) {
      running = Promise.reject(err);
    }
    running.then(
      (response) => callback(null, response),
      (err: unknown) => callback(toServiceError(err) as grpc.ServiceError),
    ).finally(dispose);
  };
}

export function handlersFor<T extends PluginType>(type: T, instance: InstanceSource<T>): grpc.UntypedServiceImplementation {
  const factories: { [K in PluginType]: (get: InstanceSource<K>) => grpc.UntypedServiceImplementation } = {
    vectorizer: vectorizerHandlers,
    transformer: transformerHandlers,
    reranker: rerankerHandlers,
    generator: generatorHandlers,
    storage: storageHandlers,
    auth: authHandlers,
  };
  return (factories[type] as (get: InstanceSource<T>) => grpc.UntypedServiceImplementation)(instance);
}

function vectorizerHandlers(get: InstanceSource<'vectorizer'>): grpc.UntypedServiceImplementation {
  return {
    Embed: unaryHandler(async ({ texts }: EmbedRequest, ctx) => {
      const api: Vectorizer = get();
      const vectors = texts.length === 1 ? [await api.vectorize(texts[0], ctx)] : await api.vectorizeBatch(texts, ctx);
      return { vectors: vectors.map((v) => ({ values: v })) };
    }),
  };
}

function transformerHandlers(get: InstanceSource<'transformer'>): grpc.UntypedServiceImplementation {
  return {
    Transform: unaryHandler(async ({ texts }: TransformRequest, ctx) => {
      const api: Transformer = get();
      const results = texts.length === 1 ? [await api.transform(texts[0], ctx)] : await api.transformBatch(texts, ctx);
      return { results: results.map((outputs) => ({ texts: outputs })) };
    }),
  };
}

function rerankerHandlers(get: InstanceSource<'reranker'>): grpc.UntypedServiceImplementation {
  return {
    Rerank: unaryHandler(async ({ query, documents, topN }: RerankRequest, ctx) => {
      const api: Reranker = get();
      const hits = await api.rerank(query, documents, topN?.value, ctx);
      return { hits: hits.map((h) => ({ index: h.index, score: h.score })) };
    }),
  };
}

function generatorHandlers(get: InstanceSource<'generator'>): grpc.UntypedServiceImplementation {
  const generate: grpc.handleServerStreamingCall<GenerateRequestMsg, { text: string }> = (call) => {
    const { ctx, dispose } = callContext(call);
    const run = async () => {
      const api: Generator = get();
      const { prompt, messages, maxTokens } = call.request;
      const request = {
        ...(prompt ? { prompt: prompt.value } : { messages: messages.map((m) => ({ role: m.role as ChatMessage['role'], content: m.content })) }),
        ...(maxTokens ? { maxTokens: maxTokens.value } : {}),
      };
      for await (const text of api.generate(request, ctx)) {
        if (ctx.signal.aborted) break;
        if (!call.write({ text })) await once(call, 'drain', { signal: ctx.signal });
      }
      call.end();
    };
    run()
      .catch((err: unknown) => {
        if (!ctx.signal.aborted) call.emit('error', toServiceError(err));
      })
      .finally(dispose);
  };
  return { Generate: generate };
}

function storageHandlers(get: InstanceSource<'storage'>): grpc.UntypedServiceImplementation {
  return {
    Put: unaryHandler(async ({ key, value, contentType }: PutRequest, ctx) => {
      const api: Storage = get();
      await api.put(key, { value: new Uint8Array(value), contentType: contentType || 'application/octet-stream' }, ctx);
      return {};
    }),
    Get: unaryHandler(async ({ key }: { key: string }, ctx) => {
      const object = await get().get(key, ctx);
      if (object === null) return { found: false };
      return { found: true, value: Buffer.from(object.value), contentType: object.contentType };
    }),
    Delete: unaryHandler(async ({ key }: { key: string }, ctx) => ({ existed: await get().delete(key, ctx) })),
    List: unaryHandler(async ({ prefix, limit }: ListRequest, ctx) => {
      const objects = await get().list(prefix, limit, ctx);
      return { objects: objects.map((o) => ({ key: o.key, size: o.size, contentType: o.contentType })) };
    }),
  };
}

function authHandlers(get: InstanceSource<'auth'>): grpc.UntypedServiceImplementation {
  return {
    Authenticate: unaryHandler(async ({ token, username, password }: AuthenticateRequest, ctx) => {
      const api: Auth = get();
      const credentials = {
        ...(token ? { token: token.value } : {}),
        ...(username ? { username: username.value } : {}),
        ...(password ? { password: password.value } : {}),
      };
      const identity = await api.authenticate(credentials, ctx);
      return identity ? { authenticated: true, identity: identityToMessage(identity) } : { authenticated: false };
    }),
    Authorize: unaryHandler(async ({ identity, resource, action }: AuthorizeRequest, ctx) => {
      const decision = await get().authorize(identityFromMessage(identity), resource, action, ctx);
      return { allowed: decision.allowed, reason: decision.reason ?? '' };
    }),
  };
}

function identityToMessage(identity: Identity): IdentityMsg {
  return {
    subject: identity.subject,
    roles: identity.roles ?? [],
    claimsJson: identity.claims === undefined ? '' : JSON.stringify(identity.claims),
  };
}

function identityFromMessage(message: IdentityMsg | null): Identity {
  if (!message) return { subject: '', roles: [] };
  const identity: Identity = { subject: message.subject, roles: message.roles };
  if (message.claimsJson) identity.claims = JSON.parse(message.claimsJson) as Record<string, unknown>;
  return identity;
}
