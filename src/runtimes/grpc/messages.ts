// The protocol's messages as @grpc/proto-loader hands them over (camelCase fields, defaults
// filled in, unset message fields null, wrappers as {value}). Mirrors
// proto/modgate/plugin/v1/plugin.proto; keep the two in step.

export interface Wrapped<T> {
  value: T;
}

export interface Capabilities {
  dimensions: number;
  maxBatchSize: number;
  maxInputLength: number;
  model: string;
}

export interface PluginInfo {
  protocolVersions: number[];
  name: string;
  version: string;
  type: string;
  capabilities: Capabilities | null;
  configured: boolean;
}

export interface ConfigureRequest {
  configJson: string;
  dataDir: string;
  pluginName: string;
}

export interface EmbedRequest {
  texts: string[];
}

/** Read and written by vector-codec.ts: values arrive as Float32Arrays and may be sent as one. */
export interface EmbedResponse {
  vectors: Array<{ values: Float32Array }>;
}

export interface TransformRequest {
  texts: string[];
}

export interface TransformResponse {
  results: Array<{ texts: string[] }>;
}

export interface RerankRequest {
  query: string;
  documents: string[];
  topN: Wrapped<number> | null;
}

export interface RerankResponse {
  hits: Array<{ index: number; score: number }>;
}

export interface ChatMessageMsg {
  role: string;
  content: string;
}

export interface GenerateRequestMsg {
  prompt: Wrapped<string> | null;
  messages: ChatMessageMsg[];
  maxTokens: Wrapped<number> | null;
}

export interface GenerateChunk {
  text: string;
}

export interface PutRequest {
  key: string;
  value: Uint8Array;
  contentType: string;
}

export interface GetResponse {
  found: boolean;
  value: Uint8Array;
  contentType: string;
}

export interface ListRequest {
  prefix: string;
  limit: number;
}

export interface ObjectInfoMsg {
  key: string;
  size: number;
  contentType: string;
}

export interface ListResponse {
  objects: ObjectInfoMsg[];
}

export interface AuthenticateRequest {
  token: Wrapped<string> | null;
  username: Wrapped<string> | null;
  password: Wrapped<string> | null;
}

export interface IdentityMsg {
  subject: string;
  roles: string[];
  claimsJson: string;
}

export interface AuthenticateResponse {
  authenticated: boolean;
  identity: IdentityMsg | null;
}

export interface AuthorizeRequest {
  identity: IdentityMsg | null;
  resource: string;
  action: string;
}

export interface AuthorizeResponse {
  allowed: boolean;
  reason: string;
}

export type ServingStatus = 'UNKNOWN' | 'SERVING' | 'NOT_SERVING' | 'SERVICE_UNKNOWN';

export interface HealthCheckResponse {
  status: ServingStatus;
}
