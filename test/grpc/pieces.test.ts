// The small parts of the gRPC runtime, each on its own: output lines -> log levels, the
// memory-limit command, the child environment, status mapping, GetInfo checks.
import { status as Status, Metadata, type ServiceError } from '@grpc/grpc-js';
import t from 'tap';
import { parseManifest } from '../../src/core/manifest.js';
import { ModgateError } from '../../src/errors.js';
import { childEnv } from '../../src/runtimes/grpc/child-env.js';
import { expectedDimensions } from '../../src/core/dimensions.js';
import { checkCapabilities, checkIdentity } from '../../src/runtimes/grpc/establish.js';
import type { PluginInfo } from '../../src/runtimes/grpc/messages.js';
import { findPrlimit, withMemoryLimit } from '../../src/runtimes/grpc/memory-limit.js';
import { logOutputLine, MAX_LOGGED_LINE, parseOutputLine } from '../../src/runtimes/grpc/output-log.js';
import { MAGIC_COOKIE_VALUE } from '../../src/runtimes/grpc/protocol.js';
import { errorFromStatus, statusFromHttp, statusOfThrown } from '../../src/runtimes/grpc/status.js';

t.test('output lines: plain lines are info, JSON lines keep their level', async (t) => {
  t.strictSame(parseOutputLine('hello'), { level: 'info', message: 'hello' });
  t.strictSame(parseOutputLine('{"level":"warn","msg":"careful"}'), { level: 'warn', message: 'careful' });
  t.strictSame(parseOutputLine('{"level":50,"msg":"pino error"}'), { level: 'error', message: 'pino error' });
  t.strictSame(parseOutputLine('{"level":20,"msg":"pino debug"}'), { level: 'debug', message: 'pino debug' });
  t.strictSame(parseOutputLine('{"@level":"ERROR","@message":"hclog"}'), { level: 'error', message: 'hclog' });
  t.strictSame(parseOutputLine('{"level":"critical","message":"py"}'), { level: 'error', message: 'py' });
  t.strictSame(parseOutputLine('{"level":"odd","msg":"x"}'), { level: 'info', message: 'x' });
  t.strictSame(parseOutputLine('{"no":"message"}'), { level: 'info', message: '{"no":"message"}' });
  t.strictSame(parseOutputLine('{broken'), { level: 'info', message: '{broken' });
  t.strictSame(parseOutputLine('[1,2]'), { level: 'info', message: '[1,2]' });
  const long = parseOutputLine('x'.repeat(MAX_LOGGED_LINE + 10));
  t.equal(long.message.length < MAX_LOGGED_LINE + 40, true, 'very long lines are cut');
  t.match(long.message, /… \(8202 characters\)$/);

  const seen: string[] = [];
  const log = { debug: (m: string) => seen.push(`debug ${m}`), info: (m: string) => seen.push(`info ${m}`), warn: (m: string) => seen.push(`warn ${m}`), error: (m: string) => seen.push(`error ${m}`) };
  logOutputLine(log, 'stderr', '{"level":"error","msg":"bad"}');
  logOutputLine(log, 'stdout', '   ');
  logOutputLine(log, 'stdout', 'plain');
  t.strictSame(seen, ['error [stderr] bad', 'info [stdout] plain'], 'blank lines are dropped');
});

t.test('memory limit: prlimit when installed, else sh ulimit; nothing without a limit', async (t) => {
  const cmd = { file: '/plugins/x/run', args: ['--flag', 'a b'] };
  t.strictSame(withMemoryLimit(cmd, undefined, '/usr/bin/prlimit'), cmd);
  t.strictSame(withMemoryLimit(cmd, 1048576, '/usr/bin/prlimit'), {
    file: '/usr/bin/prlimit',
    args: ['--as=1048576', '--', '/plugins/x/run', '--flag', 'a b'],
  });
  t.strictSame(withMemoryLimit(cmd, 1048576, null), {
    file: '/bin/sh',
    args: ['-c', 'ulimit -v 1024 && exec "$0" "$@"', '/plugins/x/run', '--flag', 'a b'],
  });
  const found = findPrlimit('/nonexistent-dir');
  t.ok(found === null || found.endsWith('/prlimit'), 'searches the usual folders too');
  t.ok(findPrlimit(), 'util-linux prlimit is installed (CI installs it; .ci/run)');
});

t.test('the child environment: the launch contract and PATH/locale, nothing else', async (t) => {
  const env = childEnv({
    pluginName: 'p',
    socketDir: '/tmp/s',
    home: '/data/p',
    parent: { PATH: '/bin', LANG: 'de_DE.UTF-8', MODGATE_ADMIN_TOKEN: 'secret', AWS_SECRET_ACCESS_KEY: 'x', TZ: '' },
  });
  t.strictSame(env, {
    PATH: '/bin',
    LANG: 'de_DE.UTF-8',
    HOME: '/data/p',
    PYTHONUNBUFFERED: '1',
    PYTHONDONTWRITEBYTECODE: '1',
    MALLOC_ARENA_MAX: '2',
    MODGATE_PLUGIN_MAGIC_COOKIE: MAGIC_COOKIE_VALUE,
    MODGATE_PLUGIN_PROTOCOL_VERSIONS: '1',
    MODGATE_PLUGIN_SOCKET_DIR: '/tmp/s',
    MODGATE_PLUGIN_NAME: 'p',
  });
  const bare = childEnv({ pluginName: 'p', socketDir: '/s', home: '/h', parent: {} });
  t.equal(bare.PATH, '/usr/local/bin:/usr/bin:/bin');
  t.equal(bare.LANG, 'C.UTF-8');
});

function serviceError(code: Status, details: string): ServiceError {
  return Object.assign(new Error(details), { code, details, metadata: new Metadata() });
}

t.test('gRPC status -> gateway error (and HTTP status)', async (t) => {
  const cases: Array<[Status, number, string]> = [
    [Status.INVALID_ARGUMENT, 400, 'MODGATE_VALIDATION'],
    [Status.NOT_FOUND, 404, 'MODGATE_NOT_FOUND'],
    [Status.RESOURCE_EXHAUSTED, 429, 'MODGATE_RATE_LIMITED'],
    [Status.UNAVAILABLE, 503, 'MODGATE_PLUGIN_UNAVAILABLE'],
    [Status.DEADLINE_EXCEEDED, 504, 'MODGATE_PLUGIN_TIMEOUT'],
    [Status.INTERNAL, 502, 'MODGATE_PLUGIN_ERROR'],
    [Status.UNIMPLEMENTED, 502, 'MODGATE_PLUGIN_ERROR'],
    [Status.PERMISSION_DENIED, 502, 'MODGATE_PLUGIN_ERROR'],
  ];
  for (const [code, http, name] of cases) {
    const err = errorFromStatus('p', serviceError(code, 'why'));
    t.equal(err.statusCode, http, Status[code]);
    t.equal(err.code, name);
    t.match(err.message, /plugin "p".*why/);
  }
  t.equal(errorFromStatus('p', serviceError(Status.UNAVAILABLE, '')).retryAfter, 1);
  t.match(errorFromStatus('p', serviceError(Status.UNIMPLEMENTED, '')).message, /UNIMPLEMENTED/);
});

t.test('what a plugin throws -> gRPC status', async (t) => {
  t.equal(statusOfThrown(new ModgateError('MODGATE_VALIDATION', 'bad')).code, Status.INVALID_ARGUMENT);
  t.equal(statusOfThrown(new ModgateError('MODGATE_OBJECT_NOT_FOUND', 'gone')).code, Status.NOT_FOUND);
  t.equal(statusOfThrown(new ModgateError('MODGATE_PLUGIN_TIMEOUT', 'slow')).code, Status.DEADLINE_EXCEEDED);
  t.equal(statusOfThrown(Object.assign(new Error('x'), { status: 429 })).code, Status.RESOURCE_EXHAUSTED);
  t.equal(statusOfThrown(Object.assign(new Error('x'), { grpcCode: Status.UNAVAILABLE })).code, Status.UNAVAILABLE);
  t.strictSame(statusOfThrown(new Error('plain')), { code: Status.INTERNAL, details: 'plain' });
  t.strictSame(statusOfThrown('a string'), { code: Status.INTERNAL, details: 'a string' });
  const map: Array<[number, Status]> = [
    [401, Status.UNAUTHENTICATED],
    [403, Status.PERMISSION_DENIED],
    [409, Status.ALREADY_EXISTS],
    [413, Status.INVALID_ARGUMENT],
    [503, Status.UNAVAILABLE],
    [500, Status.INTERNAL],
  ];
  for (const [http, code] of map) t.equal(statusFromHttp(http), code, String(http));
});

const manifest = (extra: string) =>
  parseManifest(`apiVersion: modgate.io/v1
kind: Plugin
metadata: { name: v, version: 1.0.0 }
spec:
  type: vectorizer
  runtime: grpc
  binary: ./run
${extra}
`);

const info = (overrides: Partial<PluginInfo> = {}, dimensions = 4, maxBatchSize = 0): PluginInfo => ({
  protocolVersions: [1],
  name: 'v',
  version: '1.0.0',
  type: 'vectorizer',
  capabilities: { dimensions, maxBatchSize, maxInputLength: 0, model: '' },
  configured: true,
  ...overrides,
});

t.test('GetInfo checks against the manifest', async (t) => {
  const plain = manifest('  capabilities: { dimensions: 4, maxBatchSize: 16 }');
  t.doesNotThrow(() => checkIdentity('v', plain, info()));
  t.throws(() => checkIdentity('v', plain, info({ protocolVersions: [2] })), /lists plugin protocol versions \[2\]; this gateway needs 1/);
  t.throws(() => checkIdentity('v', plain, info({ type: 'reranker' })), /says it is a "reranker" but plugin\.yaml says spec\.type: vectorizer/);

  t.strictSame(checkCapabilities('v', plain, {}, info()), { dimensions: 4, warnings: [] });
  t.throws(() => checkCapabilities('v', plain, {}, info({}, 0)), /reports no dimensions/);
  t.throws(() => checkCapabilities('v', plain, {}, info({}, 8)), /reports 8 dimensions but the manifest expects 4 \(spec\.capabilities\.dimensions\)/);
  t.throws(() => checkCapabilities('v', plain, {}, info({}, 4, 8)), /allows batches of 16 .* at most 8/);
  t.strictSame(checkCapabilities('v', plain, {}, info({}, 4, 32)).warnings, [], 'a plugin that takes more than declared is fine');

  const configurable = manifest('  capabilities: { dimensions: 384 }\n  config:\n    dimensions: { type: integer, default: 384 }');
  t.strictSame(expectedDimensions(configurable, { dimensions: 64 }), { value: 64, from: 'config.dimensions' });
  t.equal(checkCapabilities('v', configurable, { dimensions: 64 }, info({}, 64)).dimensions, 64, 'config.dimensions wins');
  t.match(checkCapabilities('v', configurable, { dimensions: 64 }, info({}, 64, 100)).warnings[0], /declare spec\.capabilities\.maxBatchSize/);
  t.equal(expectedDimensions(manifest(''), {}), undefined, 'nothing declared: anything positive goes');
});
