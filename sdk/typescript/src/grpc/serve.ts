// serve(plugin): runs a plugin as a gRPC plugin server. The same definePlugin({type, create})
// value a native plugin default-exports can be served here unchanged:
//
//   import { serve } from '../../sdk/typescript/src/index.js';
//   import plugin from './plugin.js';
//   await serve(plugin, { name: 'my-plugin', version: '1.0.0' });
//
// Started by the gateway (the launch contract: magic cookie, protocol versions, a socket
// folder), it listens on a unix socket there, prints the handshake line and exits when
// stdin closes (the gateway is gone), on SIGTERM/SIGINT or on Shutdown. Started with
// MODGATE_PLUGIN_LISTEN=host:port (or options.listen) it is a standalone server a gateway can
// reach as a remote plugin (spec.endpoint). Reference: docs/grpc.md.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { assertImplements } from '../../../../src/core/contract.js';
import type { HealthStatus, PluginApiByType, PluginLogger, PluginType } from '../../../../src/core/types.js';
import { formatHandshake } from '../../../../src/runtimes/grpc/handshake.js';
import type { ConfigureRequest, ServingStatus } from '../../../../src/runtimes/grpc/messages.js';
import {
  ENV,
  MAGIC_COOKIE_VALUE,
  MAX_MESSAGE_BYTES,
  PLUGIN_PROTOCOL_VERSION,
  SERVICE_OF_TYPE,
  loadProtocol,
} from '../../../../src/runtimes/grpc/protocol.js';
import type { NativeImplementation, NativePluginDefinition } from '../native.js';
import { handlersFor, unaryHandler } from './handlers.js';
import { stderrLogger } from './logger.js';

export interface ServeOptions {
  /** Reported by GetInfo (informative). */
  name?: string;
  version?: string;
  /** Inputs per call the plugin accepts (GetInfo capabilities.max_batch_size). */
  maxBatchSize?: number;
  maxInputLength?: number;
  model?: string;
  /** Standalone server on host:port (a remote plugin); default: env MODGATE_PLUGIN_LISTEN. */
  listen?: string;
  /**
   * TLS for a standalone server (PEM certificate chain and private key); default: the files
   * named by env MODGATE_PLUGIN_TLS_CERT_FILE and MODGATE_PLUGIN_TLS_KEY_FILE when both are set.
   */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** When launched by the gateway: listen on a unix socket (default) or on 127.0.0.1. */
  transport?: 'unix' | 'tcp';
  /** Writable folder when the gateway sends none (remote): default env MODGATE_PLUGIN_DATA_DIR, else the working directory. */
  dataDir?: string;
  /** Call process.exit when the server has shut down (default true). */
  exitOnShutdown?: boolean;
  /** Folder holding the .proto files (default: found from the SDK's location). */
  protoDir?: string;
  /** Defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  log?: PluginLogger;
  /** Where the handshake line goes (default stdout). */
  writeHandshake?(line: string): void;
}

export interface PluginServer {
  network: 'unix' | 'tcp';
  /** Socket path or host:port. */
  address: string;
  /** NOT_SERVING, finish in-flight calls (briefly), close the implementation, stop. */
  shutdown(): Promise<void>;
}

const SHUTDOWN_GRACE_MS = 2000;

export async function serve<T extends PluginType>(definition: NativePluginDefinition<T>, options: ServeOptions = {}): Promise<PluginServer> {
  const env = options.env ?? process.env;
  const log = options.log ?? stderrLogger();
  const listen = options.listen ?? env[ENV.listen];
  const launched = env[ENV.magicCookie] === MAGIC_COOKIE_VALUE;
  if (!launched && !listen) {
    process.stderr.write(
      'This program is a modgate plugin: the modgate gateway starts it (see docs/grpc.md).\n' +
        `To run it as a standalone server for spec.endpoint, set ${ENV.listen}=127.0.0.1:50051.\n`,
    );
    process.exit(1);
  }
  if (launched) {
    const offered = (env[ENV.protocolVersions] ?? '').split(',').map((v) => Number(v.trim()));
    if (!offered.includes(PLUGIN_PROTOCOL_VERSION)) {
      process.stderr.write(`the gateway offers plugin protocol versions "${env[ENV.protocolVersions]}"; this SDK speaks ${PLUGIN_PROTOCOL_VERSION}\n`);
      process.exit(1);
    }
  }

  const protocol = loadProtocol(options.protoDir);
  const type = definition.type;
  let instance: NativeImplementation<T> | undefined;
  let servingStatus: ServingStatus = 'NOT_SERVING';
  const watchers = new Set<(status: ServingStatus) => void>();
  const setStatus = (status: ServingStatus) => {
    servingStatus = status;
    for (const notify of watchers) notify(status);
  };

  const current = (): PluginApiByType[T] => {
    if (!instance) throw Object.assign(new Error('the plugin is not configured yet (Configure first)'), { grpcCode: grpc.status.UNAVAILABLE });
    if (stopping) throw Object.assign(new Error('the plugin is shutting down'), { grpcCode: grpc.status.UNAVAILABLE });
    return instance;
  };

  const server = new grpc.Server({
    'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
    'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
  });

  server.addService(protocol.services.Plugin, {
    GetInfo: unaryHandler(async () => ({
      protocolVersions: [PLUGIN_PROTOCOL_VERSION],
      name: options.name ?? '',
      version: options.version ?? '',
      type,
      capabilities: {
        dimensions: type === 'vectorizer' && instance ? (instance as PluginApiByType['vectorizer']).dimensions : 0,
        maxBatchSize: options.maxBatchSize ?? 0,
        maxInputLength: options.maxInputLength ?? 0,
        model: options.model ?? '',
      },
      configured: instance !== undefined,
    })),
    Configure: unaryHandler(async (request: ConfigureRequest) => {
      const config = parseConfig(request.configJson);
      const dataDir = request.dataDir || options.dataDir || env.MODGATE_PLUGIN_DATA_DIR || process.cwd();
      const created = await definition.create({ config, log, dataDir });
      const checked = assertImplements(type, created, request.pluginName || options.name || type) as NativeImplementation<T>;
      const previous = instance;
      instance = checked;
      setStatus((await healthOf(instance)).healthy ? 'SERVING' : 'NOT_SERVING');
      await previous?.close?.();
      return {};
    }),
    Shutdown: unaryHandler(async () => {
      setImmediate(() => void shutdown());
      return {};
    }),
  });

  server.addService(protocol.health, {
    Check: unaryHandler(async () => {
      if (stopping || !instance) return { status: 'NOT_SERVING' };
      const health = await healthOf(instance);
      return { status: health.healthy ? 'SERVING' : 'NOT_SERVING' };
    }),
    Watch: (call: grpc.ServerWritableStream<unknown, { status: ServingStatus }>) => {
      const send = (status: ServingStatus) => call.write({ status });
      send(servingStatus);
      watchers.add(send);
      call.on('cancelled', () => {
        watchers.delete(send);
        call.end();
      });
    },
  });

  server.addService(protocol.services[SERVICE_OF_TYPE[type]], handlersFor(type, current));

  let network: 'unix' | 'tcp';
  let address: string;
  if (listen) {
    network = 'tcp';
    address = await bind(server, listen, serverCredentials(options, env));
  } else if (options.transport !== 'tcp' && env[ENV.socketDir]) {
    network = 'unix';
    address = join(env[ENV.socketDir]!, 'plugin.sock');
    await bind(server, `unix:${address}`);
  } else {
    network = 'tcp';
    address = await bind(server, '127.0.0.1:0');
  }

  let stopping: Promise<void> | undefined;
  const shutdown = (): Promise<void> => {
    stopping ??= (async () => {
      setStatus('NOT_SERVING');
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, SHUTDOWN_GRACE_MS);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
      await Promise.resolve(instance?.close?.()).catch((err: unknown) => log.error(`close failed: ${String(err)}`));
      if (options.exitOnShutdown !== false) process.exit(0);
    })();
    return stopping;
  };

  if (launched) {
    // The gateway holds our stdin open; when it closes, the gateway is gone: so are we.
    process.stdin.on('end', () => void shutdown());
    process.stdin.on('close', () => void shutdown());
    process.stdin.resume();
  }
  process.once('SIGTERM', () => void shutdown());
  process.once('SIGINT', () => void shutdown());

  const line = formatHandshake(network, address, PLUGIN_PROTOCOL_VERSION);
  (options.writeHandshake ?? ((l: string) => process.stdout.write(`${l}\n`)))(line);
  return { network, address, shutdown };
}

function serverCredentials(options: ServeOptions, env: NodeJS.ProcessEnv): grpc.ServerCredentials {
  let tls = options.tls;
  const certFile = env.MODGATE_PLUGIN_TLS_CERT_FILE;
  const keyFile = env.MODGATE_PLUGIN_TLS_KEY_FILE;
  if (!tls && certFile && keyFile) tls = { cert: readFileSync(certFile), key: readFileSync(keyFile) };
  if (!tls) return grpc.ServerCredentials.createInsecure();
  return grpc.ServerCredentials.createSsl(null, [{ cert_chain: Buffer.from(tls.cert), private_key: Buffer.from(tls.key) }], false);
}

function bind(server: grpc.Server, target: string, credentials = grpc.ServerCredentials.createInsecure()): Promise<string> {
  return new Promise((resolve, reject) => {
    server.bindAsync(target, credentials, (err, port) => {
      if (err) return reject(new Error(`cannot listen on ${target}: ${err.message}`));
      if (target.startsWith('unix:')) return resolve(target.slice('unix:'.length));
      const host = target.slice(0, target.lastIndexOf(':'));
      resolve(`${host}:${port}`);
    });
  });
}

function parseConfig(json: string): Record<string, unknown> {
  if (json === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw Object.assign(new Error('config_json is not valid JSON'), { grpcCode: grpc.status.INVALID_ARGUMENT });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw Object.assign(new Error('config_json must be a JSON object'), { grpcCode: grpc.status.INVALID_ARGUMENT });
  }
  return parsed as Record<string, unknown>;
}

async function healthOf(instance: { health?(): Promise<HealthStatus> | HealthStatus }): Promise<HealthStatus> {
  if (!instance.health) return { healthy: true };
  try {
    return await instance.health();
  } catch (err) {
    return { healthy: false, detail: err instanceof Error ? err.message : String(err) };
  }
}
