// Environment -> typed Config. One table lists every variable with its default and parser;
// every bad value is reported in one error that names the variable and what it accepts.
import { parseDuration, parseMemory } from './core/units.js';

type Parser<T> = (raw: string) => T;

interface Setting<T> {
  env: string;
  default: T;
  parse: Parser<T>;
  help: string;
}

const integer = (min: number, max = Number.MAX_SAFE_INTEGER): Parser<number> => (raw) => {
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || value < min || value > max) throw new Error(`an integer from ${min} to ${max}`);
  return value;
};
const text: Parser<string> = (raw) => raw;
const optionalText: Parser<string | undefined> = (raw) => (raw === '' ? undefined : raw);
const bool: Parser<boolean> = (raw) => {
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new Error('true or false');
};
/** Parses with a units parser; a bad value is reported as what the setting accepts. */
const withUnits = (parse: (raw: string) => number, accepts: string): Parser<number> => (raw) => {
  try {
    return parse(raw);
  } catch {
    throw new Error(accepts);
  }
};
const duration = withUnits(parseDuration, 'a duration such as 250ms, 30s or 2m');
const bytes = withUnits(parseMemory, 'a size in bytes or with a unit, such as 512Ki, 16Mi or 1G');
const list: Parser<string[]> = (raw) => raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
const oneOf = <T extends string>(...values: T[]): Parser<T> => (raw) => {
  if (!(values as string[]).includes(raw)) throw new Error(`one of ${values.join(', ')}`);
  return raw as T;
};

const SETTINGS = {
  port: { env: 'PORT', default: 8080, parse: integer(0, 65535), help: 'TCP port to listen on' },
  host: { env: 'HOST', default: '0.0.0.0', parse: text, help: 'address to listen on' },
  pluginsDirs: {
    env: 'MODGATE_PLUGINS_DIR',
    default: ['plugins'],
    parse: (raw: string) => raw.split(':').filter((s) => s.length > 0),
    help: 'folders of plugin folders loaded at start, separated by ":"',
  },
  dataDir: { env: 'MODGATE_DATA_DIR', default: './data', parse: text, help: 'durable store and plugin data' },
  logLevel: {
    env: 'LOG_LEVEL',
    default: 'info' as const,
    parse: oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'),
    help: 'pino log level',
  },
  loadTimeoutMs: { env: 'MODGATE_LOAD_TIMEOUT', default: 30_000, parse: duration, help: 'give up loading a plugin after this long' },
  drainTimeoutMs: { env: 'MODGATE_DRAIN_TIMEOUT', default: 30_000, parse: duration, help: 'wait this long for in-flight calls when retiring a version' },
  maxBatchSize: { env: 'MODGATE_MAX_BATCH', default: 1024, parse: integer(1), help: 'inputs per call when a plugin declares no maxBatchSize' },
  maxInputLength: { env: 'MODGATE_MAX_INPUT_LENGTH', default: 1_000_000, parse: integer(1), help: 'characters per input when a plugin declares no maxInputLength' },
  bodyLimit: { env: 'MODGATE_BODY_LIMIT', default: 16 * 1024 * 1024, parse: bytes, help: 'largest JSON request body' },
  adminToken: { env: 'MODGATE_ADMIN_TOKEN', default: undefined, parse: optionalText, help: 'bearer token for admin routes; unset disables them' },
  apiKeys: { env: 'MODGATE_API_KEYS', default: [] as string[], parse: list, help: 'comma-separated keys required on invocation routes' },
  authPlugin: { env: 'MODGATE_AUTH_PLUGIN', default: undefined, parse: optionalText, help: 'auth plugin that decides invocation requests' },
  maxUpload: { env: 'MODGATE_MAX_UPLOAD', default: 64 * 1024 * 1024, parse: bytes, help: 'largest plugin upload' },
  allowNativeUploads: { env: 'MODGATE_ALLOW_NATIVE_UPLOADS', default: false, parse: bool, help: 'allow installing native plugins over HTTP' },
  keepVersions: { env: 'MODGATE_KEEP_VERSIONS', default: 5, parse: integer(1, 1000), help: 'versions kept per plugin for rollback' },
  wasmThreads: { env: 'MODGATE_WASM_THREADS', default: 0, parse: integer(0, 256), help: 'WASM worker threads (0 = one per CPU)' },
  wasmQueue: { env: 'MODGATE_WASM_QUEUE', default: 1024, parse: integer(1), help: 'WASM calls waiting for a worker before 503' },
  wasmIdleTimeoutMs: { env: 'MODGATE_WASM_IDLE_TIMEOUT', default: 60_000, parse: duration, help: 'idle WASM workers stop after this long' },
  grpcStartTimeoutMs: { env: 'MODGATE_GRPC_START_TIMEOUT', default: 15_000, parse: duration, help: 'wait this long for a gRPC plugin handshake' },
  grpcHealthIntervalMs: { env: 'MODGATE_GRPC_HEALTH_INTERVAL', default: 5000, parse: duration, help: 'health-check gRPC plugins this often (and retry unreachable remote ones)' },
  grpcMaxRestarts: { env: 'MODGATE_GRPC_MAX_RESTARTS', default: 5, parse: integer(0, 1000), help: 'restarts in a row before a crashing gRPC plugin is marked failed' },
  grpcStopGraceMs: { env: 'MODGATE_GRPC_STOP_GRACE', default: 3000, parse: duration, help: 'a stopping gRPC plugin process gets this long after Shutdown, then again after SIGTERM, before SIGKILL' },
  coalesceBatch: {
    env: 'MODGATE_COALESCE_BATCH',
    default: 64,
    parse: integer(1, 4096),
    help: 'single-text vectorize calls to one WASM or gRPC plugin in the same event-loop turn go out as one batch of up to this many (1 = off)',
  },
  registryDir: { env: 'MODGATE_REGISTRY_DIR', default: undefined, parse: optionalText, help: 'serve this marketplace folder at /registry' },
} satisfies Record<string, Setting<unknown>>;

type Settings = typeof SETTINGS;
export type Config = { -readonly [K in keyof Settings]: ReturnType<Settings[K]['parse']> | Settings[K]['default'] };

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const config: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [key, setting] of Object.entries(SETTINGS) as Array<[string, Setting<unknown>]>) {
    if (Object.hasOwn(overrides, key)) {
      config[key] = (overrides as Record<string, unknown>)[key];
      continue;
    }
    const raw = env[setting.env];
    if (raw === undefined) {
      config[key] = setting.default;
      continue;
    }
    try {
      config[key] = setting.parse(raw);
    } catch (err) {
      problems.push(`${setting.env}=${JSON.stringify(raw)} is invalid: expected ${(err as Error).message}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config as Config;
}

/** Every variable with its default and help, for `modgate serve --help` and the README. */
export function describeSettings(): Array<{ key: string; env: string; default: unknown; help: string }> {
  return Object.entries(SETTINGS).map(([key, s]) => ({ key, env: s.env, default: s.default, help: s.help }));
}
