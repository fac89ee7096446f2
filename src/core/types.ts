// The plugin contract: the six plugin types and the operations each one offers.
// Every runtime (native, wasm, grpc) produces objects implementing these interfaces;
// routes only ever talk to these interfaces.

export const PLUGIN_TYPES = ['vectorizer', 'transformer', 'reranker', 'generator', 'storage', 'auth'] as const;
export type PluginType = (typeof PLUGIN_TYPES)[number];

export const RUNTIME_KINDS = ['wasm', 'grpc', 'native'] as const;
export type RuntimeKind = (typeof RUNTIME_KINDS)[number];

export const PLUGIN_STATES = ['loading', 'ready', 'draining', 'stopped', 'failed'] as const;
export type PluginState = (typeof PLUGIN_STATES)[number];

/** Passed to every operation: aborts when the caller goes away or the time cap is hit. */
export interface CallContext {
  signal: AbortSignal;
  /** Milliseconds the call may still take (the plugin's resources.timeout). */
  timeoutMs: number;
}

export interface Vectorizer {
  /** Number of float32 components per vector. */
  readonly dimensions: number;
  vectorize(text: string, ctx: CallContext): Promise<Float32Array>;
  vectorizeBatch(texts: string[], ctx: CallContext): Promise<Float32Array[]>;
}

export interface Transformer {
  /** One input text becomes one or more output texts (normalised text, chunks, ...). */
  transform(text: string, ctx: CallContext): Promise<string[]>;
  transformBatch(texts: string[], ctx: CallContext): Promise<string[][]>;
}

export interface RerankHit {
  index: number;
  score: number;
}

export interface Reranker {
  /** Scores for the documents, best first, at most topN of them when given. */
  rerank(query: string, documents: string[], topN: number | undefined, ctx: CallContext): Promise<RerankHit[]>;
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface GenerateRequest {
  prompt?: string;
  messages?: ChatMessage[];
  maxTokens?: number;
}

export interface Generator {
  /** Yields the generated text in chunks; stops early when ctx.signal aborts. */
  generate(request: GenerateRequest, ctx: CallContext): AsyncIterable<string>;
}

export interface StoredObject {
  value: Uint8Array;
  contentType: string;
}

export interface ObjectInfo {
  key: string;
  size: number;
  contentType: string;
}

export interface Storage {
  put(key: string, object: StoredObject, ctx: CallContext): Promise<void>;
  /** null when the key does not exist. */
  get(key: string, ctx: CallContext): Promise<StoredObject | null>;
  /** false when the key did not exist. */
  delete(key: string, ctx: CallContext): Promise<boolean>;
  list(prefix: string, limit: number, ctx: CallContext): Promise<ObjectInfo[]>;
}

export interface Credentials {
  /** A bearer token, API key or similar secret presented by the caller. */
  token?: string;
  username?: string;
  password?: string;
}

export interface Identity {
  subject: string;
  roles: string[];
  claims?: Record<string, unknown>;
}

export interface AuthDecision {
  allowed: boolean;
  reason?: string;
}

export interface Auth {
  /** null when the credentials are not valid. */
  authenticate(credentials: Credentials, ctx: CallContext): Promise<Identity | null>;
  authorize(identity: Identity, resource: string, action: string, ctx: CallContext): Promise<AuthDecision>;
}

export interface PluginApiByType {
  vectorizer: Vectorizer;
  transformer: Transformer;
  reranker: Reranker;
  generator: Generator;
  storage: Storage;
  auth: Auth;
}

export type AnyPluginApi = PluginApiByType[PluginType];

export interface HealthStatus {
  healthy: boolean;
  detail?: string;
}

/** Where a plugin writes its log lines; the host tags them with the plugin's name. */
export interface PluginLogger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}
