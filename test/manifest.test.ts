import { readFileSync } from 'node:fs';
import * as fsp from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { stringify } from 'yaml';
import { ModgateError } from '../src/errors.js';
import {
  DEFAULT_LIMITS,
  MANIFEST_FILE,
  assertInsidePluginDir,
  readManifest,
  resolvePluginPath,
  MAX_MANIFEST_BYTES,
  ManifestSchema,
  parseManifest,
  resolveLimits,
  type Manifest,
  type ManifestProblem,
} from '../src/core/manifest.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/manifests/', import.meta.url));
const fixture = (name: string) => readFileSync(path.join(FIXTURES, name), 'utf8');

/** The problems a refused manifest reports (fails the test if it is accepted). */
function problemsOf(text: string | Uint8Array): ManifestProblem[] {
  try {
    parseManifest(text);
  } catch (err) {
    if (err instanceof ModgateError && err.code === 'MODGATE_MANIFEST_INVALID') {
      return (err.details as ManifestProblem[]).map(({ path: at, message }) => ({ path: at, message }));
    }
    throw err;
  }
  throw new Error('expected the manifest to be refused');
}

type Draft = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function base(): Draft {
  return {
    apiVersion: 'modgate.io/v1',
    kind: 'Plugin',
    metadata: { name: 'demo', version: '1.0.0' },
    spec: { type: 'vectorizer', runtime: 'wasm', binary: './embedder.wasm' },
  };
}

function yamlOf(edit: (m: Draft) => void): string {
  const m = base();
  edit(m);
  return stringify(m);
}

t.test('the base manifest of the table below is valid', async (t) => {
  t.same(parseManifest(yamlOf(() => {})), base());
});

t.test('a full modgate.io/v1 manifest parses with every field', async (t) => {
  const m = parseManifest(fixture('full-modgate.yaml'));
  t.equal(m.apiVersion, 'modgate.io/v1');
  t.same(m.metadata, {
    name: 'custom-embedder',
    version: '1.2.3-rc.1',
    author: 'Jane Doe <jane@example.com>',
    description: 'Hashing embedder used in tests',
    license: 'Apache-2.0',
    homepage: 'https://example.com/custom-embedder',
    tags: ['embedding', 'test'],
  });
  t.equal(m.spec.type, 'vectorizer');
  t.equal(m.spec.runtime, 'wasm');
  t.equal(m.spec.binary, './build/embedder.wasm');
  t.same(m.spec.dependencies, [
    { name: 'weaviate', version: '^1.15.0' },
    { name: 'modgate', version: '>=0.1.0 <2.0.0' },
  ]);
  t.same(m.spec.resources, { memory: '128Mi', cpu: '500m', timeout: '250ms' });
  t.same(m.spec.capabilities, { dimensions: 384, maxBatchSize: 100, maxInputLength: 8192, model: 'hash-384', streaming: false });
  t.same(Object.keys(m.spec.config ?? {}), ['apiKey', 'modelPath', 'temperature', 'topK', 'normalize', 'mode', 'stopWords', 'headers']);
  t.same(m.spec.config?.apiKey, { type: 'string', required: true, secret: true, description: 'Key for the upstream service' });
  t.same(resolveLimits(m), { memoryBytes: 128 * 1024 * 1024, cpuMillis: 500, timeoutMs: 250 });
});

t.test('a weaviate.io/v1 manifest with a remote gRPC endpoint parses', async (t) => {
  const m = parseManifest(fixture('full-weaviate.yaml'));
  t.equal(m.apiVersion, 'weaviate.io/v1');
  t.equal(m.spec.runtime, 'grpc');
  t.equal(m.spec.endpoint, 'dns:///reranker.internal:50051');
  t.same(m.spec.tls, { enabled: true, ca: 'certs/ca.pem', serverName: 'reranker.internal' });
  t.same(resolveLimits(m), { memoryBytes: 1_000_000_000, cpuMillis: 2000, timeoutMs: 60_000 });
});

t.test('a grpc binary with args and a minimal native manifest parse', async (t) => {
  const grpc = parseManifest(fixture('grpc-binary.yaml'));
  t.equal(grpc.spec.binary, './server.py');
  t.same(grpc.spec.args, ['--workers', '2']);
  const native = parseManifest(fixture('minimal-native.yaml'));
  t.same(native.spec, { type: 'transformer', runtime: 'native', binary: 'dist/index.js' });
  t.same(resolveLimits(native), DEFAULT_LIMITS);
});

t.test('bytes are accepted as well as text', async (t) => {
  const m = parseManifest(new TextEncoder().encode(fixture('minimal-native.yaml')));
  t.equal(m.metadata.name, 'upper');
});

t.test('endpoints that are accepted', async (t) => {
  for (const endpoint of ['localhost:50051', '10.0.0.7:9000', 'dns:///svc.ns.svc.cluster.local:443', '[::1]:50051', 'my_service:80']) {
    const text = yamlOf((m) => {
      m.spec = { type: 'reranker', runtime: 'grpc', endpoint };
    });
    t.equal(parseManifest(text).spec.endpoint, endpoint, endpoint);
  }
});

t.test('each kind of mistake is reported with its path and a message saying what to fix', async (t) => {
  const quantity = '(use Ki, Mi, Gi, K, M, G or a byte count)';
  const relative = 'use a path relative to the plugin folder, e.g. ./embedder.wasm';
  const cases: Array<{ name: string; edit: (m: Draft) => void; path: string; message: string }> = [
    {
      name: 'wrong spec.type',
      edit: (m) => (m.spec.type = 'vectoriser'),
      path: 'spec.type',
      message: 'spec.type: must be one of vectorizer, transformer, reranker, generator, storage, auth (got "vectoriser")',
    },
    {
      name: 'wrong runtime',
      edit: (m) => (m.spec.runtime = 'docker'),
      path: 'spec.runtime',
      message: 'spec.runtime: must be one of wasm, grpc, native (got "docker")',
    },
    {
      name: 'unknown apiVersion',
      edit: (m) => (m.apiVersion = 'v1'),
      path: 'apiVersion',
      message: 'apiVersion: must be one of modgate.io/v1, weaviate.io/v1 (got "v1")',
    },
    { name: 'wrong kind', edit: (m) => (m.kind = 'Module'), path: 'kind', message: 'kind: must be "Plugin" (got "Module")' },
    { name: 'missing version', edit: (m) => delete m.metadata.version, path: 'metadata.version', message: 'metadata.version: is required' },
    { name: 'missing spec', edit: (m) => delete m.spec, path: 'spec', message: 'spec: is required' },
    {
      name: 'bad memory unit',
      edit: (m) => (m.spec.resources = { memory: '2Gx' }),
      path: 'spec.resources.memory',
      message: `spec.resources.memory: "2Gx" is not a quantity ${quantity}`,
    },
    {
      name: 'memory of the wrong type',
      edit: (m) => (m.spec.resources = { memory: true }),
      path: 'spec.resources.memory',
      message: 'spec.resources.memory: must be a string or a number (got true)',
    },
    {
      name: 'bad cpu',
      edit: (m) => (m.spec.resources = { cpu: '500x' }),
      path: 'spec.resources.cpu',
      message: 'spec.resources.cpu: "500x" is not a cpu quantity (use millicores like 500m or cores like 2 or 0.5)',
    },
    {
      name: 'bad timeout',
      edit: (m) => (m.spec.resources = { timeout: '5 sec' }),
      path: 'spec.resources.timeout',
      message:
        'spec.resources.timeout: "5 sec" is not a duration (use ms, s, m or h, e.g. 250ms or 5s, or a number of milliseconds)',
    },
    {
      name: 'zero timeout',
      edit: (m) => (m.spec.resources = { timeout: 0 }),
      path: 'spec.resources.timeout',
      message: 'spec.resources.timeout: 0 must be greater than 0',
    },
    {
      name: 'version that is not semver',
      edit: (m) => (m.metadata.version = '1.0'),
      path: 'metadata.version',
      message: 'metadata.version: "1.0" is not a semantic version (use MAJOR.MINOR.PATCH, e.g. 1.0.0)',
    },
    {
      name: 'version with a v prefix',
      edit: (m) => (m.metadata.version = 'v1.0.0'),
      path: 'metadata.version',
      message: 'metadata.version: "v1.0.0" is not a semantic version (use MAJOR.MINOR.PATCH, e.g. 1.0.0)',
    },
    {
      name: 'version written as a YAML number',
      edit: (m) => (m.metadata.version = 1),
      path: 'metadata.version',
      message: 'metadata.version: must be a string (got 1)',
    },
    {
      name: 'bad dependency range',
      edit: (m) => (m.spec.dependencies = [{ name: 'weaviate', version: '^^1' }]),
      path: 'spec.dependencies[0].version',
      message: 'spec.dependencies[0].version: "^^1" is not a semver range (e.g. ^1.15.0 or >=1.2.0 <2.0.0)',
    },
    {
      name: 'dependency listed twice',
      edit: (m) =>
        (m.spec.dependencies = [
          { name: 'weaviate', version: '^1.0.0' },
          { name: 'weaviate', version: '^2.0.0' },
        ]),
      path: 'spec.dependencies[1].name',
      message: 'spec.dependencies[1].name: "weaviate" is listed more than once',
    },
    ...['My_Plugin', '-lead', 'trail-', 'a'.repeat(64), 'dots.not.allowed'].map((name) => ({
      name: `bad name ${name.slice(0, 20)}`,
      edit: (m: Draft) => (m.metadata.name = name),
      path: 'metadata.name',
      message:
        `metadata.name: ${JSON.stringify(name)} is not a valid plugin name (lowercase letters, digits and '-', ` +
        'at most 63 characters, starting and ending with a letter or digit, e.g. custom-embedder)',
    })),
    ...[
      ['../x', `leaves the plugin folder (${relative})`],
      ['sub/../../x', `leaves the plugin folder (${relative})`],
      ['/etc/passwd', `is an absolute path (${relative})`],
      ['C:/plugins/x.wasm', `is an absolute path (${relative})`],
      ['a\\b', `contains a backslash (separate folders with /; ${relative})`],
      ['a\0b', 'contains a NUL byte'],
      ['./', 'names a folder, not a file'],
      ['', 'is empty'],
    ].map(([binary, reason]) => ({
      name: `escaping binary ${JSON.stringify(binary)}`,
      edit: (m: Draft) => (m.spec.binary = binary),
      path: 'spec.binary',
      message: `spec.binary: ${JSON.stringify(binary)} ${reason}`,
    })),
    {
      name: 'tls.ca outside the folder',
      edit: (m) => (m.spec = { type: 'reranker', runtime: 'grpc', endpoint: 'h:1', tls: { ca: '../ca.pem' } }),
      path: 'spec.tls.ca',
      message: `spec.tls.ca: "../ca.pem" leaves the plugin folder (${relative})`,
    },
    {
      name: 'grpc with both binary and endpoint',
      edit: (m) => Object.assign(m.spec, { runtime: 'grpc', endpoint: 'localhost:50051' }),
      path: 'spec.endpoint',
      message:
        'spec.endpoint: give either binary (a program the gateway starts) or endpoint (a server that is already running), not both',
    },
    {
      name: 'grpc with neither binary nor endpoint',
      edit: (m) => (m.spec = { type: 'vectorizer', runtime: 'grpc' }),
      path: 'spec.binary',
      message: 'spec.binary: a grpc plugin needs binary (a program the gateway starts) or endpoint (a running server)',
    },
    {
      name: 'wasm without binary',
      edit: (m) => delete m.spec.binary,
      path: 'spec.binary',
      message: 'spec.binary: is required for a wasm plugin (the .wasm module, relative to the plugin folder)',
    },
    {
      name: 'native without binary',
      edit: (m) => (m.spec = { type: 'auth', runtime: 'native' }),
      path: 'spec.binary',
      message: 'spec.binary: is required for a native plugin (the JavaScript module, relative to the plugin folder)',
    },
    {
      name: 'endpoint on a wasm plugin',
      edit: (m) => (m.spec.endpoint = 'localhost:1'),
      path: 'spec.endpoint',
      message: 'spec.endpoint: only a grpc plugin can use endpoint, not a wasm one',
    },
    {
      name: 'args on a native plugin',
      edit: (m) => Object.assign(m.spec, { runtime: 'native', binary: 'index.js', args: ['-v'] }),
      path: 'spec.args',
      message: 'spec.args: only a grpc plugin can use args, not a native one',
    },
    {
      name: 'args with a grpc endpoint',
      edit: (m) => (m.spec = { type: 'reranker', runtime: 'grpc', endpoint: 'h:1', args: ['-v'] }),
      path: 'spec.args',
      message: 'spec.args: only applies to a grpc binary (the gateway passes them when it starts it)',
    },
    {
      name: 'tls with a grpc binary',
      edit: (m) => Object.assign(m.spec, { runtime: 'grpc', tls: { enabled: true } }),
      path: 'spec.tls',
      message: 'spec.tls: only applies to a grpc endpoint (a local binary is reached over a private socket)',
    },
    ...['localhost', 'http://x:80', 'host:0', 'host:70000', 'dns://host:1'].map((endpoint) => ({
      name: `bad endpoint ${endpoint}`,
      edit: (m: Draft) => (m.spec = { type: 'reranker', runtime: 'grpc', endpoint }),
      path: 'spec.endpoint',
      message: `spec.endpoint: ${JSON.stringify(endpoint)} is not an endpoint (use host:port or dns:///host:port)`,
    })),
    ...[0, -3, 1.5].map((dimensions) => ({
      name: `dimensions ${dimensions}`,
      edit: (m: Draft) => (m.spec.capabilities = { dimensions }),
      path: 'spec.capabilities.dimensions',
      message: `spec.capabilities.dimensions: must be a positive integer (got ${dimensions})`,
    })),
    {
      name: 'maxBatchSize as a string',
      edit: (m) => (m.spec.capabilities = { maxBatchSize: '100' }),
      path: 'spec.capabilities.maxBatchSize',
      message: 'spec.capabilities.maxBatchSize: must be a positive integer (got "100")',
    },
    {
      name: 'config default of the wrong type',
      edit: (m) => (m.spec.config = { port: { type: 'integer', default: '8080' } }),
      path: 'spec.config.port.default',
      message: 'spec.config.port.default: must be an integer (got "8080")',
    },
    {
      name: 'config default outside its enum',
      edit: (m) => (m.spec.config = { mode: { type: 'string', enum: ['fast', 'slow'], default: 'medium' } }),
      path: 'spec.config.mode.default',
      message: 'spec.config.mode.default: must be one of "fast", "slow" (got "medium")',
    },
    {
      name: 'config default below its minimum',
      edit: (m) => (m.spec.config = { topK: { type: 'integer', minimum: 1, default: 0 } }),
      path: 'spec.config.topK.default',
      message: 'spec.config.topK.default: must be at least 1 (got 0)',
    },
    {
      name: 'config array default with an item of the wrong type',
      edit: (m) => (m.spec.config = { ids: { type: 'array', items: { type: 'integer' }, default: [1, 'two'] } }),
      path: 'spec.config.ids.default[1]',
      message: 'spec.config.ids.default[1]: must be an integer (got "two")',
    },
    {
      name: 'config enum value of the wrong type',
      edit: (m) => (m.spec.config = { level: { type: 'integer', enum: [1, 'high'] } }),
      path: 'spec.config.level.enum[1]',
      message: 'spec.config.level.enum[1]: must be an integer (got "high")',
    },
    {
      name: 'config minimum above maximum',
      edit: (m) => (m.spec.config = { n: { type: 'number', minimum: 5, maximum: 3 } }),
      path: 'spec.config.n.minimum',
      message: 'spec.config.n.minimum: 5 is greater than maximum 3',
    },
    {
      name: 'config minimum on a string',
      edit: (m) => (m.spec.config = { s: { type: 'string', minimum: 1 } }),
      path: 'spec.config.s.minimum',
      message: 'spec.config.s.minimum: only a number or integer key takes minimum (this key is string)',
    },
    {
      name: 'config items on a non-array',
      edit: (m) => (m.spec.config = { s: { type: 'object', items: { type: 'string' } } }),
      path: 'spec.config.s.items',
      message: 'spec.config.s.items: only an array key takes items (this key is object)',
    },
    {
      name: 'unknown config type',
      edit: (m) => (m.spec.config = { s: { type: 'str' } }),
      path: 'spec.config.s.type',
      message: 'spec.config.s.type: must be one of string, number, integer, boolean, array, object (got "str")',
    },
    {
      name: 'config key that is not an identifier',
      edit: (m) => (m.spec.config = { '1st': { type: 'string' } }),
      path: 'spec.config.1st',
      message:
        "spec.config.1st: is not a valid config key (letters, digits, '_' and '-', starting with a letter, at most 64 characters)",
    },
    {
      name: 'unknown top-level property',
      edit: (m) => (m.status = 'ok'),
      path: 'status',
      message: 'status: is not a known field (known fields: apiVersion, kind, metadata, spec)',
    },
    {
      name: 'typo in metadata',
      edit: (m) => (m.metadata.autor = 'me'),
      path: 'metadata.autor',
      message: 'metadata.autor: is not a known field (did you mean author?)',
    },
    {
      name: 'typo in spec',
      edit: (m) => (m.spec.capabilites = {}),
      path: 'spec.capabilites',
      message: 'spec.capabilites: is not a known field (did you mean capabilities?)',
    },
    {
      name: 'typo in resources',
      edit: (m) => (m.spec.resources = { memmory: '1Mi' }),
      path: 'spec.resources.memmory',
      message: 'spec.resources.memmory: is not a known field (did you mean memory?)',
    },
    {
      name: 'typo in a config entry',
      edit: (m) => (m.spec.config = { k: { type: 'string', requried: true } }),
      path: 'spec.config.k.requried',
      message: 'spec.config.k.requried: is not a known field (did you mean required?)',
    },
    {
      name: 'tags that are not a list',
      edit: (m) => (m.metadata.tags = 'embedding'),
      path: 'metadata.tags',
      message: 'metadata.tags: must be a list (got "embedding")',
    },
  ];
  for (const c of cases) {
    t.same(problemsOf(yamlOf(c.edit)), [{ path: c.path, message: c.message }], c.name);
  }
});

t.test('a manifest with three problems reports all three in one error', async (t) => {
  let error: unknown;
  try {
    parseManifest(fixture('three-problems.yaml'));
  } catch (err) {
    error = err;
  }
  t.ok(error instanceof ModgateError);
  const e = error as ModgateError;
  t.equal(e.code, 'MODGATE_MANIFEST_INVALID');
  t.equal(e.statusCode, 400);
  const details = e.details as ManifestProblem[];
  t.same(details.map((p) => p.path).sort(), ['metadata.version', 'spec.resources.memory', 'spec.type']);
  t.match(e.message, /^invalid plugin manifest \(3 problems\): /);
  for (const p of details) t.ok(e.message.includes(p.message), `message mentions ${p.path}`);
  t.ok(e.message.includes('spec.resources.memory: "2Gx" is not a quantity (use Ki, Mi, Gi, K, M, G or a byte count)'));
});

t.test('__proto__ keys are refused wherever they appear and pollute nothing', async (t) => {
  const top = `${stringify(base())}__proto__: { polluted: true }\n`;
  t.same(problemsOf(top), [
    { path: '__proto__', message: '__proto__: is not a known field (known fields: apiVersion, kind, metadata, spec)' },
  ]);
  const inMetadata = stringify(base()).replace('metadata:\n', 'metadata:\n  __proto__: { polluted: true }\n');
  t.same(problemsOf(inMetadata).map((p) => p.path), ['metadata.__proto__']);
  const asConfigKey = `${stringify(base())}  config:\n    __proto__: { type: string, default: x }\n`;
  t.same(problemsOf(asConfigKey), [
    {
      path: 'spec.config.__proto__',
      message:
        "spec.config.__proto__: is not a valid config key (letters, digits, '_' and '-', starting with a letter, at most 64 characters)",
    },
  ]);
  t.equal(({} as Record<string, unknown>).polluted, undefined);
});

t.test('duplicate keys are an error with the line', async (t) => {
  const text = 'apiVersion: modgate.io/v1\nkind: Plugin\nkind: Plugin\n';
  t.same(problemsOf(text), [{ path: '', message: 'line 3, column 1: Map keys must be unique' }]);
});

t.test('YAML syntax errors carry line and column', async (t) => {
  const problems = problemsOf('apiVersion: modgate.io/v1\nmetadata: { name: x\nspec: {}\n');
  t.ok(problems.length >= 1);
  t.match(problems[0].message, /^line \d+, column \d+: /);
  t.same(problemsOf('a: 1\n---\nb: 2\n'), [
    { path: '', message: 'line 2, column 1: Source contains multiple documents; please use YAML.parseAllDocuments()' },
  ]);
});

t.test('aliases are refused: a billion-laughs document never expands', async (t) => {
  t.same(problemsOf(fixture('alias-bomb.yaml')), [
    { path: '', message: 'line 5, column 8: YAML aliases (*a) are not allowed in plugin.yaml; write the value out' },
  ]);
  // Even one harmless-looking alias is refused: manifests need none.
  const small = stringify(base()).replace('name: demo', 'name: &n demo\n  description: *n');
  t.same(problemsOf(small).map((p) => p.message), [
    'line 5, column 16: YAML aliases (*n) are not allowed in plugin.yaml; write the value out',
  ]);
});

t.test('empty, non-mapping, oversized and non-UTF-8 input', async (t) => {
  t.same(problemsOf(''), [{ path: '', message: 'plugin.yaml is empty; it needs apiVersion, kind, metadata and spec' }]);
  t.same(problemsOf('- a\n- b\n'), [{ path: '', message: 'the manifest must be a mapping (key: value) (got a list)' }]);
  const big = `${stringify(base())}# ${'x'.repeat(MAX_MANIFEST_BYTES)}\n`;
  t.same(problemsOf(big), [
    { path: '', message: `plugin.yaml is ${Buffer.byteLength(big)} bytes; the limit is 65536 bytes` },
  ]);
  // The cap is on bytes, not characters: 40,000 two-byte characters are 80,000 bytes.
  const wide = `${stringify(base())}# ${'é'.repeat(40_000)}\n`;
  t.ok(wide.length < MAX_MANIFEST_BYTES);
  t.match(problemsOf(wide)[0].message, /bytes; the limit is 65536 bytes$/);
  t.same(problemsOf(new Uint8Array([0x61, 0x3a, 0x20, 0xff, 0xfe])), [
    { path: '', message: 'plugin.yaml is not valid UTF-8 text' },
  ]);
});

t.test('ManifestSchema: $id Manifest and no additional properties at any level', async (t) => {
  t.equal(ManifestSchema.$id, 'Manifest');
  const objects: string[] = [];
  const walk = (schema: Record<string, unknown>, at: string) => {
    if (schema.type === 'object') {
      objects.push(at);
      t.equal(schema.additionalProperties, false, `${at} is closed`);
    }
    for (const [key, value] of Object.entries(schema)) {
      if (value && typeof value === 'object') walk(value as Record<string, unknown>, `${at}/${key}`);
    }
  };
  walk(ManifestSchema as unknown as Record<string, unknown>, '#');
  t.ok(objects.length >= 10, `walked ${objects.length} object schemas`);
});

t.test('resolveLimits falls back field by field', async (t) => {
  const m = parseManifest(yamlOf((d) => (d.spec.resources = { memory: 1048576, cpu: 0.25 })));
  t.same(resolveLimits(m), { memoryBytes: 1_048_576, cpuMillis: 250, timeoutMs: 5000 });
  const custom = { memoryBytes: 1, cpuMillis: 2, timeoutMs: 3 };
  t.same(resolveLimits(m, custom), { memoryBytes: 1_048_576, cpuMillis: 250, timeoutMs: 3 });
  t.same(DEFAULT_LIMITS, { memoryBytes: 64 * 1024 * 1024, cpuMillis: 1000, timeoutMs: 5000 });
  // A manifest built in code (not parsed) with a bad quantity still gets a clear error.
  const unchecked = { ...m, spec: { ...m.spec, resources: { timeout: 'soon' } } } as Manifest;
  t.throws(() => resolveLimits(unchecked), {
    code: 'MODGATE_MANIFEST_INVALID',
    message: /spec\.resources\.timeout: "soon" is not a duration/,
  });
  t.equal(MANIFEST_FILE, 'plugin.yaml');
});

t.test('resolvePluginPath keeps files inside the plugin folder', async (t) => {
  const dir = path.resolve('/srv/plugins/demo');
  const accepted: Array<[string, string]> = [
    ['embedder.wasm', path.join(dir, 'embedder.wasm')],
    ['./build/embedder.wasm', path.join(dir, 'build/embedder.wasm')],
    ['a/../b.wasm', path.join(dir, 'b.wasm')],
    ['..x.wasm', path.join(dir, '..x.wasm')],
  ];
  for (const [relative, absolute] of accepted) t.equal(resolvePluginPath(dir, relative), absolute, relative);
  const refused: Array<[string, RegExp]> = [
    ['../x', /"\.\.\/x" leaves the plugin folder/],
    ['sub/../../x', /leaves the plugin folder/],
    ['/etc/passwd', /"\/etc\/passwd" is an absolute path/],
    ['a\\b', /contains a backslash/],
    ['a\0b', /"a\\u0000b" contains a NUL byte/],
    ['', /"" is empty/],
    ['.', /names a folder, not a file/],
  ];
  for (const [relative, message] of refused) {
    t.throws(() => resolvePluginPath(dir, relative), { code: 'MODGATE_MANIFEST_INVALID', message }, JSON.stringify(relative));
  }
});

const folderManifest = (spec: string) =>
  `apiVersion: modgate.io/v1\nkind: Plugin\nmetadata: { name: demo, version: 1.0.0 }\nspec: ${spec}\n`;
const wasmManifest = folderManifest('{ type: vectorizer, runtime: wasm, binary: ./embedder.wasm }');

t.test('readManifest reads and checks a plugin folder', async (t) => {
  const m = await readManifest(path.join(FIXTURES, 'plugin-folder'));
  t.equal(m.metadata.name, 'folder-plugin');
  t.same(resolveLimits(m), { memoryBytes: 2 * 1024 * 1024, cpuMillis: 1000, timeoutMs: 2000 });
});

t.test('readManifest says which folder lacks plugin.yaml', async (t) => {
  const dir = t.testdir({ 'embedder.wasm': 'x' });
  await t.rejects(readManifest(dir), {
    code: 'MODGATE_MANIFEST_INVALID',
    message: `invalid plugin manifest: ${path.resolve(dir)} has no plugin.yaml`,
  });
  await t.rejects(readManifest(path.join(dir, 'nope')), { message: /nope has no plugin\.yaml$/ });
});

/** The problems readManifest reports for a folder (fails the test if it is accepted). */
async function folderProblems(dir: string): Promise<ManifestProblem[]> {
  try {
    await readManifest(dir);
  } catch (err) {
    if (err instanceof ModgateError && err.code === 'MODGATE_MANIFEST_INVALID') return err.details as ManifestProblem[];
    throw err;
  }
  throw new Error('expected the plugin folder to be refused');
}

t.test('readManifest checks that the files the manifest names exist in the folder', async (t) => {
  const missing = t.testdir({ 'plugin.yaml': wasmManifest });
  t.same(await folderProblems(missing), [
    { path: 'spec.binary', message: 'spec.binary: "./embedder.wasm" does not exist in the plugin folder' },
  ]);
  const folder = t.testdir({ 'plugin.yaml': wasmManifest, 'embedder.wasm': {} });
  t.same(await folderProblems(folder), [
    { path: 'spec.binary', message: 'spec.binary: "./embedder.wasm" is not a regular file' },
  ]);
  const ca = t.testdir({
    'plugin.yaml': folderManifest('{ type: reranker, runtime: grpc, endpoint: "h:1", tls: { ca: certs/ca.pem } }'),
  });
  t.same(await folderProblems(ca), [
    { path: 'spec.tls.ca', message: 'spec.tls.ca: "certs/ca.pem" does not exist in the plugin folder' },
  ]);
});

t.test('symlinks may not lead out of the plugin folder', async (t) => {
  const root = t.testdir({
    outside: { 'secret.wasm': 'not yours', 'plugin.yaml': wasmManifest },
    escaping: { 'plugin.yaml': wasmManifest, 'embedder.wasm': t.fixture('symlink', '../outside/secret.wasm') },
    inside: { 'plugin.yaml': wasmManifest, 'embedder.wasm': t.fixture('symlink', 'build/real.wasm'), build: { 'real.wasm': 'ok' } },
    yamlOut: { 'plugin.yaml': t.fixture('symlink', '../outside/plugin.yaml'), 'embedder.wasm': 'ok' },
    linkedFolder: t.fixture('symlink', 'inside'),
  });
  t.same(await folderProblems(path.join(root, 'escaping')), [
    {
      path: 'spec.binary',
      message: 'spec.binary: "./embedder.wasm" leads outside the plugin folder (symlinks must stay inside it)',
    },
  ]);
  await t.rejects(assertInsidePluginDir(path.join(root, 'escaping'), 'embedder.wasm'), {
    code: 'MODGATE_MANIFEST_INVALID',
    message: /"embedder\.wasm" leads outside the plugin folder/,
  });
  // A link that stays inside is fine, and so is a plugin folder reached through a link.
  t.equal((await readManifest(path.join(root, 'inside'))).metadata.name, 'demo');
  t.equal(
    await assertInsidePluginDir(path.join(root, 'linkedFolder'), './embedder.wasm'),
    await fsp.realpath(path.join(root, 'inside', 'build', 'real.wasm')),
  );
  await t.rejects(readManifest(path.join(root, 'yamlOut')), { message: /"plugin\.yaml" leads outside the plugin folder/ });
});

t.test('a sibling folder sharing the prefix is outside (never startsWith(root))', async (t) => {
  const root = t.testdir({ plugin: { 'a.wasm': 'x' }, 'plugin-evil': { 'a.wasm': 'x' } });
  t.ok((await assertInsidePluginDir(path.join(root, 'plugin'), path.join(root, 'plugin', 'a.wasm'))).endsWith('a.wasm'));
  await t.rejects(assertInsidePluginDir(path.join(root, 'plugin'), path.join(root, 'plugin-evil', 'a.wasm')), {
    message: /leads outside the plugin folder/,
  });
  await t.rejects(assertInsidePluginDir(path.join(root, 'plugin'), 'missing.wasm'), {
    message: /"missing\.wasm" does not exist in the plugin folder/,
  });
});

t.test('readManifest refuses an oversized plugin.yaml without reading it', async (t) => {
  const dir = t.testdir({ 'plugin.yaml': '' });
  await fsp.truncate(path.join(dir, MANIFEST_FILE), MAX_MANIFEST_BYTES + 1);
  // With open() made to fail, only a check that never reads the file can give the size error.
  const guarded = await t.mockImport<typeof import('../src/core/manifest.js')>('../src/core/manifest.js', {
    'node:fs/promises': {
      ...fsp,
      open: async () => {
        throw new Error('plugin.yaml must not be opened');
      },
    },
  });
  await t.rejects(guarded.readManifest(dir), {
    code: 'MODGATE_MANIFEST_INVALID',
    message: `invalid plugin manifest: plugin.yaml is ${MAX_MANIFEST_BYTES + 1} bytes; the limit is ${MAX_MANIFEST_BYTES} bytes`,
  });
  // The guard is real: a file within the cap does reach open().
  await t.rejects(guarded.readManifest(path.join(FIXTURES, 'plugin-folder')), { message: 'plugin.yaml must not be opened' });
  await t.rejects(readManifest(dir), { message: /plugin\.yaml is 65537 bytes; the limit is 65536 bytes/ });
});
