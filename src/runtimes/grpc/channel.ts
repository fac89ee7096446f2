// One gRPC connection to one plugin server (one process generation, or one remote endpoint):
// the clients of its services, calls with a deadline that are cancelled when the caller's
// signal aborts, and the list of calls in flight so they can all be failed at once when the
// process dies (rather than each waiting for its deadline).
import * as grpc from '@grpc/grpc-js';
import { ModgateError } from '../../errors.js';
import type { PluginType } from '../../core/types.js';
import { MAX_MESSAGE_BYTES, SERVICE_OF_TYPE, loadProtocol } from './protocol.js';
import { errorFromStatus, isServiceError } from './status.js';

export interface ChannelOptions {
  /** A @grpc/grpc-js target: `unix:/path`, `host:port`, `dns:///host:port`. */
  target: string;
  pluginName: string;
  type: PluginType;
  /** TLS for remote plugins; insecure when absent. */
  credentials?: grpc.ChannelCredentials;
  /** Name to verify the server certificate against, when it differs from the target host. */
  serverName?: string;
}

export interface CallOptions {
  /** Deadline of the call, from now. */
  timeoutMs: number;
  signal?: AbortSignal;
}

/** Which client a call goes to: the Plugin service, Health, or the plugin type's service. */
export type ClientKind = 'plugin' | 'health' | 'service';

type DynamicClient = grpc.Client & Record<string, (...args: unknown[]) => unknown>;

interface InFlight {
  fail(error: ModgateError): void;
}

export class PluginChannel {
  readonly target: string;
  private readonly channel: grpc.Channel;
  private readonly clients: Record<ClientKind, DynamicClient>;
  private readonly inFlight = new Set<InFlight>();
  private closedWith: ModgateError | undefined;

  constructor(private readonly options: ChannelOptions) {
    const protocol = loadProtocol();
    this.target = options.target;
    const credentials = options.credentials ?? grpc.credentials.createInsecure();
    const channelOptions: grpc.ChannelOptions = {
      'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
      'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
      // No keepalive pings: a server that does not allow them would close the connection.
      // The supervisor's health checks notice a dead peer instead.
      'grpc.initial_reconnect_backoff_ms': 200,
      'grpc.max_reconnect_backoff_ms': 2000,
      // channelz keeps per-call counters and trace events that nothing here reads; turning it off
      // saved about 10% of the gateway's CPU per gRPC call in the benchmark (docs/benchmarks.md).
      'grpc.enable_channelz': 0,
      // HTTP/2 starts each connection with a 64 KB window: without a larger one, a batch answer
      // (100 vectors of 384 floats are 150 KB) stops to wait for window updates on the way.
      'grpc-node.flow_control_window': 16 * 1024 * 1024,
    };
    if (options.serverName) {
      channelOptions['grpc.ssl_target_name_override'] = options.serverName;
      channelOptions['grpc.default_authority'] = options.serverName;
    }
    this.channel = new grpc.Channel(options.target, credentials, channelOptions);
    const make = (ctor: grpc.ServiceClientConstructor) =>
      new ctor(options.target, credentials, { ...channelOptions, channelOverride: this.channel }) as DynamicClient;
    this.clients = {
      plugin: make(protocol.clients.Plugin),
      health: make(protocol.healthClient),
      service: make(protocol.clients[SERVICE_OF_TYPE[options.type]]),
    };
  }

  get closed(): boolean {
    return this.closedWith !== undefined;
  }

  /** A unary call. Rejects with a ModgateError (mapped gRPC status, the caller's abort reason, or fail()). */
  unary<Res>(kind: ClientKind, method: string, request: object, options: CallOptions): Promise<Res> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    return new Promise<Res>((resolve, reject) => {
      let settled = false;
      let call: grpc.ClientUnaryCall | undefined;
      const signal = options.signal;
      const entry: InFlight = {
        fail: (error) => {
          settle(() => reject(error));
          call?.cancel();
        },
      };
      const onAbort = () => entry.fail(abortReason(signal!, this.options.pluginName));
      const settle = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        this.inFlight.delete(entry);
        signal?.removeEventListener('abort', onAbort);
        outcome();
      };
      if (signal?.aborted) {
        reject(abortReason(signal, this.options.pluginName));
        return;
      }
      this.inFlight.add(entry);
      signal?.addEventListener('abort', onAbort, { once: true });
      const callback = (err: grpc.ServiceError | null, response: Res) => {
        settle(() => (err ? reject(this.mapError(err)) : resolve(response)));
      };
      call = this.clients[kind][method](request, new grpc.Metadata(), { deadline: Date.now() + options.timeoutMs }, callback) as grpc.ClientUnaryCall;
    });
  }

  /** A server-streaming call as an async iterable; stopping the iteration cancels the call. */
  async *serverStream<Res>(method: string, request: object, options: CallOptions): AsyncGenerator<Res> {
    if (this.closedWith) throw this.closedWith;
    const signal = options.signal;
    if (signal?.aborted) throw abortReason(signal, this.options.pluginName);
    const call = this.clients.service[method](request, new grpc.Metadata(), {
      deadline: Date.now() + options.timeoutMs,
    }) as grpc.ClientReadableStream<Res>;
    let failure: ModgateError | undefined;
    const entry: InFlight = {
      fail: (error) => {
        failure ??= error;
        call.cancel();
      },
    };
    const onAbort = () => entry.fail(abortReason(signal!, this.options.pluginName));
    this.inFlight.add(entry);
    signal?.addEventListener('abort', onAbort, { once: true });
    let ended = false;
    try {
      for await (const chunk of call) yield chunk as Res;
      ended = true;
    } catch (err) {
      if (failure) throw failure;
      throw isServiceError(err) ? this.mapError(err) : err;
    } finally {
      this.inFlight.delete(entry);
      signal?.removeEventListener('abort', onAbort);
      if (!ended) call.cancel();
    }
    if (failure) throw failure;
  }

  /** Number of calls in flight on this channel. */
  get pending(): number {
    return this.inFlight.size;
  }

  /** Fails every call in flight with `error` now and cancels it. */
  failAll(error: ModgateError): void {
    for (const entry of [...this.inFlight]) entry.fail(error);
  }

  /** Fails what is in flight, refuses new calls with `error`, and closes the connection. */
  close(error: ModgateError = new ModgateError('MODGATE_PLUGIN_UNAVAILABLE', `plugin "${this.options.pluginName}" connection closed`, { retryAfter: 1 })): void {
    if (this.closedWith) return;
    this.closedWith = error;
    this.failAll(error);
    for (const client of Object.values(this.clients)) client.close();
    this.channel.close();
  }

  private mapError(err: grpc.ServiceError): ModgateError {
    return errorFromStatus(this.options.pluginName, err);
  }
}

function abortReason(signal: AbortSignal, plugin: string): ModgateError {
  const reason: unknown = signal.reason;
  if (reason instanceof ModgateError) return reason;
  return new ModgateError('MODGATE_CLIENT_CLOSED', `call to plugin "${plugin}" cancelled`);
}
