import { readFileSync } from 'node:fs';
import t from 'tap';
import { ModgateError } from '../src/errors.js';
import { parseManifest, type Manifest } from '../src/core/manifest.js';
import {
  SECRET_PLACEHOLDER,
  redactConfig,
  redactManifest,
  resolveConfig,
  secretKeys,
  type ConfigProblem,
} from '../src/core/plugin-config.js';

const full = parseManifest(readFileSync(new URL('./fixtures/manifests/full-modgate.yaml', import.meta.url), 'utf8'));

function manifestWith(config: string): Manifest {
  return parseManifest(
    `apiVersion: modgate.io/v1\nkind: Plugin\nmetadata: { name: cfg, version: 1.0.0 }\n` +
      `spec:\n  type: generator\n  runtime: native\n  binary: index.js\n  config:\n${config}`,
  );
}

function problemsOf(manifest: Manifest, values: Record<string, unknown>): ConfigProblem[] {
  try {
    resolveConfig(manifest, values);
  } catch (err) {
    if (err instanceof ModgateError && err.code === 'MODGATE_CONFIG_INVALID') return err.details as ConfigProblem[];
    throw err;
  }
  throw new Error('expected the config to be refused');
}

t.test('defaults are applied and given values win', async (t) => {
  const config = resolveConfig(full, { apiKey: 'sk-123', topK: 3 });
  t.same(config, {
    apiKey: 'sk-123',
    modelPath: '/models/default',
    temperature: 0.5,
    topK: 3,
    normalize: true,
    mode: 'fast',
    stopWords: ['a', 'the'],
    headers: { 'x-team': 'search' },
  });
  t.equal(Object.getPrototypeOf(config), Object.prototype, 'a plain object');
});

t.test('defaults are copies: changing one result does not change the next', async (t) => {
  const first = resolveConfig(full, { apiKey: 'k' });
  (first.stopWords as string[]).push('changed');
  (first.headers as Record<string, string>).extra = 'x';
  const second = resolveConfig(full, { apiKey: 'k' });
  t.same(second.stopWords, ['a', 'the']);
  t.same(second.headers, { 'x-team': 'search' });
  t.same(full.spec.config?.stopWords?.default, ['a', 'the']);
});

t.test('optional keys without a default stay absent; undefined counts as not given', async (t) => {
  const m = manifestWith('    note: { type: string }\n    level: { type: integer, default: 2 }\n');
  t.same(resolveConfig(m, {}), { level: 2 });
  t.same(resolveConfig(m, { note: undefined, level: undefined }), { level: 2 });
  const none = parseManifest(
    'apiVersion: modgate.io/v1\nkind: Plugin\nmetadata: { name: bare, version: 1.0.0 }\nspec: { type: auth, runtime: native, binary: a.js }\n',
  );
  t.same(resolveConfig(none, {}), {});
  t.same(problemsOf(none, { x: 1 }), [{ path: 'config.x', message: 'config.x: is not a config key of this plugin (this plugin takes no config)' }]);
});

t.test('a missing required key is refused, with its description', async (t) => {
  t.same(problemsOf(full, {}), [
    { path: 'config.apiKey', message: 'config.apiKey: is required (Key for the upstream service)' },
  ]);
  const m = manifestWith('    region: { type: string, required: true }\n');
  let error: unknown;
  try {
    resolveConfig(m, {});
  } catch (err) {
    error = err;
  }
  t.match(error, { code: 'MODGATE_CONFIG_INVALID', statusCode: 400, message: 'invalid config for plugin "cfg": config.region: is required' });
});

t.test('types are checked strictly, never coerced', async (t) => {
  const m = manifestWith(
    [
      '    s: { type: string }',
      '    n: { type: number }',
      '    i: { type: integer }',
      '    b: { type: boolean }',
      '    a: { type: array }',
      '    o: { type: object }',
      '',
    ].join('\n'),
  );
  const cases: Array<[string, unknown, string]> = [
    ['s', 5, 'config.s: must be a string (got 5)'],
    ['n', '5', 'config.n: must be a number (got "5")'],
    ['n', Number.NaN, 'config.n: must be a number (got NaN)'],
    ['i', '3', 'config.i: must be an integer (got "3")'],
    ['i', 3.5, 'config.i: must be an integer (got 3.5)'],
    ['b', 'true', 'config.b: must be true or false (got "true")'],
    ['b', 1, 'config.b: must be true or false (got 1)'],
    ['a', 'x,y', 'config.a: must be a list (got "x,y")'],
    ['o', [1], 'config.o: must be an object (got [1])'],
    ['o', null, 'config.o: must be an object (got null)'],
    ['s', null, 'config.s: must be a string (got null)'],
  ];
  for (const [key, value, message] of cases) {
    t.same(problemsOf(m, { [key]: value }), [{ path: `config.${key}`, message }], message);
  }
  const good = { s: 'x', n: 1.5, i: 3, b: false, a: [1, 'two'], o: { nested: true } };
  t.same(resolveConfig(m, good), good);
});

t.test('enum, bounds and array item types', async (t) => {
  const m = manifestWith(
    [
      '    mode: { type: string, enum: [fast, slow] }',
      '    temperature: { type: number, minimum: 0, maximum: 2 }',
      '    topK: { type: integer, minimum: 1 }',
      '    ids: { type: array, items: { type: integer } }',
      '',
    ].join('\n'),
  );
  const cases: Array<[string, unknown, Array<[string, string]>]> = [
    ['mode', 'medium', [['config.mode', 'config.mode: must be one of "fast", "slow" (got "medium")']]],
    ['temperature', 2.5, [['config.temperature', 'config.temperature: must be at most 2 (got 2.5)']]],
    ['temperature', -0.1, [['config.temperature', 'config.temperature: must be at least 0 (got -0.1)']]],
    ['topK', 0, [['config.topK', 'config.topK: must be at least 1 (got 0)']]],
    [
      'ids',
      [1, 'two', 3.5],
      [
        ['config.ids[1]', 'config.ids[1]: must be an integer (got "two")'],
        ['config.ids[2]', 'config.ids[2]: must be an integer (got 3.5)'],
      ],
    ],
  ];
  for (const [key, value, expected] of cases) {
    t.same(
      problemsOf(m, { [key]: value }),
      expected.map(([path, message]) => ({ path, message })),
      `${key}=${JSON.stringify(value)}`,
    );
  }
  t.same(resolveConfig(m, { mode: 'slow', temperature: 2, topK: 1, ids: [1, 2] }), {
    mode: 'slow',
    temperature: 2,
    topK: 1,
    ids: [1, 2],
  });
});

t.test('every problem is reported at once, including unknown keys', async (t) => {
  const problems = problemsOf(full, { apikey: 'typo', topK: 'ten', mode: 'turbo' });
  t.same(
    problems.map((p) => p.path),
    ['config.apikey', 'config.apiKey', 'config.topK', 'config.mode'],
  );
  t.match(problems[0].message, /^config\.apikey: is not a config key of this plugin \(known keys: apiKey, modelPath, /);
});

t.test('__proto__ in the values neither pollutes nor sneaks through', async (t) => {
  const values = JSON.parse('{"apiKey":"k","__proto__":{"polluted":true}}') as Record<string, unknown>;
  t.same(problemsOf(full, values).map((p) => p.path), ['config.__proto__']);
  t.equal(({} as Record<string, unknown>).polluted, undefined);
  const redacted = redactConfig(full, values);
  t.ok(Object.hasOwn(redacted, '__proto__'), 'kept as an own key, not as the prototype');
  t.equal(redacted.__proto__ === SECRET_PLACEHOLDER, true);
  t.equal(Object.getPrototypeOf(redacted), Object.prototype);
});

t.test('values that are not an object of key/value pairs', async (t) => {
  t.same(problemsOf(full, ['a'] as unknown as Record<string, unknown>), [
    { path: 'config', message: 'config: must be an object of key/value pairs' },
  ]);
  const m = manifestWith('    x: { type: string, default: d }\n');
  t.same(resolveConfig(m, null as unknown as Record<string, unknown>), { x: 'd' });
});

t.test('secrets: listed, redacted, and never echoed in error messages', async (t) => {
  t.same(secretKeys(full), ['apiKey']);
  t.equal(SECRET_PLACEHOLDER, '***');
  const config = resolveConfig(full, { apiKey: 'sk-live-123' });
  const redacted = redactConfig(full, config);
  t.equal(redacted.apiKey, '***');
  t.equal(redacted.modelPath, '/models/default');
  t.equal(config.apiKey, 'sk-live-123', 'the original is untouched');
  t.notOk(JSON.stringify(redacted).includes('sk-live-123'));
  // Undeclared keys may hold secrets (typos of secret names): they are masked too.
  t.same(redactConfig(full, { apikey: 'sk-typo', topK: 4 }), { apikey: '***', topK: 4 });

  const m = manifestWith('    token: { type: integer, secret: true, enum: [1, 2] }\n');
  const problems = problemsOf(m, { token: 'hunter2' });
  t.same(problems, [{ path: 'config.token', message: 'config.token: must be an integer' }]);
  const wrongEnum = problemsOf(m, { token: 31337 });
  t.same(wrongEnum, [{ path: 'config.token', message: 'config.token: must be one of 1, 2' }]);
});

t.test('redactManifest hides secret defaults and leaves the original alone', async (t) => {
  const m = manifestWith('    apiKey: { type: string, secret: true, default: sk-default }\n    region: { type: string, default: eu }\n');
  const shown = redactManifest(m);
  t.equal(shown.spec.config?.apiKey.default, '***');
  t.equal(shown.spec.config?.region.default, 'eu');
  t.equal(m.spec.config?.apiKey.default, 'sk-default');
  t.notOk(JSON.stringify(shown).includes('sk-default'));
  t.same(redactManifest(full).spec.config?.apiKey, full.spec.config?.apiKey, 'a secret without default is unchanged');
});
