// The modgate plugin protocol as the gateway and the TypeScript SDK see it: the launch
// contract's constants, and the .proto files (proto/) loaded with @grpc/proto-loader.
// Reference for plugin authors: docs/grpc.md.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { decodeEmbedResponse, encodeEmbedResponse } from './vector-codec.js';

/** Version of proto/modgate/plugin/v1/plugin.proto (the handshake's second field). */
export const PLUGIN_PROTOCOL_VERSION = 1;
/** go-plugin's "core protocol version" (the handshake's first field). */
export const CORE_PROTOCOL_VERSION = 1;

/** Environment the gateway gives a plugin process it starts (go-plugin style). */
export const ENV = {
  magicCookie: 'MODGATE_PLUGIN_MAGIC_COOKIE',
  protocolVersions: 'MODGATE_PLUGIN_PROTOCOL_VERSIONS',
  socketDir: 'MODGATE_PLUGIN_SOCKET_DIR',
  pluginName: 'MODGATE_PLUGIN_NAME',
  /** Not set by the gateway: `host:port` makes an SDK server run standalone (a remote plugin). */
  listen: 'MODGATE_PLUGIN_LISTEN',
} as const;

/**
 * Not a secret: it only tells a plugin binary that a modgate gateway started it (so running
 * it by hand prints a helpful message instead of waiting for a handshake nobody reads).
 */
export const MAGIC_COOKIE_VALUE = 'd3b0a7c2-modgate-plugin-launch-v1';

/** Raised on both sides so large batches of vectors fit (gRPC's default is 4 MiB). */
export const MAX_MESSAGE_BYTES = 256 * 1024 * 1024;

export const PROTO_FILES = ['modgate/plugin/v1/plugin.proto', 'grpc/health/v1/health.proto'] as const;

export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
};

export type ServiceName = 'Plugin' | 'Vectorizer' | 'Transformer' | 'Reranker' | 'Generator' | 'Storage' | 'Auth';

export interface Protocol {
  /** Service definitions for a server, by name, plus the standard health service. */
  services: Record<ServiceName, grpc.ServiceDefinition>;
  health: grpc.ServiceDefinition;
  /** Client constructors for the same services. */
  clients: Record<ServiceName, grpc.ServiceClientConstructor>;
  healthClient: grpc.ServiceClientConstructor;
}

/**
 * The folder holding modgate/plugin/v1/plugin.proto: the first `proto/` found walking up from
 * `start` (the repository's proto/ in a checkout, or a copy a plugin's build put beside its
 * bundle).
 */
export function findProtoDir(start: string): string {
  let dir = start;
  for (;;) {
    const candidate = join(dir, 'proto');
    if (existsSync(join(candidate, PROTO_FILES[0]))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) {
      throw new Error(`cannot find proto/${PROTO_FILES[0]} in ${start} or any folder above it`);
    }
    dir = parent;
  }
}

let cached: { dir: string; protocol: Protocol } | undefined;

/** Loads the protocol once per proto folder (default: found from this module's location). */
export function loadProtocol(protoDir?: string): Protocol {
  const dir = protoDir ?? findProtoDir(dirname(fileURLToPath(import.meta.url)));
  if (cached?.dir === dir) return cached.protocol;
  const definition = protoLoader.loadSync([...PROTO_FILES], { ...LOADER_OPTIONS, includeDirs: [dir] });
  const embed = (definition['modgate.plugin.v1.Vectorizer'] as grpc.ServiceDefinition).Embed;
  embed.responseSerialize = encodeEmbedResponse as (value: unknown) => Buffer;
  embed.responseDeserialize = decodeEmbedResponse;
  const root = grpc.loadPackageDefinition(definition) as unknown as {
    modgate: { plugin: { v1: Record<ServiceName, grpc.ServiceClientConstructor> } };
    grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } };
  };
  const v1 = root.modgate.plugin.v1;
  const names: ServiceName[] = ['Plugin', 'Vectorizer', 'Transformer', 'Reranker', 'Generator', 'Storage', 'Auth'];
  const clients = Object.fromEntries(names.map((n) => [n, v1[n]])) as Record<ServiceName, grpc.ServiceClientConstructor>;
  const services = Object.fromEntries(names.map((n) => [n, v1[n].service])) as Record<ServiceName, grpc.ServiceDefinition>;
  const healthClient = root.grpc.health.v1.Health;
  const protocol: Protocol = { services, health: healthClient.service, clients, healthClient };
  cached = { dir, protocol };
  return protocol;
}

/** The service each plugin type serves. */
export const SERVICE_OF_TYPE = {
  vectorizer: 'Vectorizer',
  transformer: 'Transformer',
  reranker: 'Reranker',
  generator: 'Generator',
  storage: 'Storage',
  auth: 'Auth',
} as const satisfies Record<string, ServiceName>;
