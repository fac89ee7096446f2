// The Python SDK (sdk/python) end to end: its build (stubs generated from proto/ with
// Debian's grpc_tools), a transformer and a streaming generator served by Python processes,
// plugin errors, the memory limit and the minimal environment.
import { spawnSync } from 'node:child_process';
import { realpath } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { buildTestApp, REPO_ROOT } from '../helpers/app.js';
import { detail, GRPC_FIXTURES, transform } from './helpers.js';

t.before(() => {
  // No silent skip: without Debian's python3-grpcio / python3-grpc-tools / python3-protobuf
  // this fails and says what to install.
  const build = spawnSync('/usr/bin/python3', [join(REPO_ROOT, 'sdk', 'python', 'build.py')], { encoding: 'utf8' });
  if (build.error || build.status !== 0) {
    throw new Error(`building the Python SDK failed: ${build.error?.message ?? build.stderr}`);
  }
});

t.test('a Python transformer: config, errors as HTTP statuses, deadline, memory limit, environment', async (t) => {
  const { app, logs } = await buildTestApp(t);
  await app.gateway.manager.load(`${GRPC_FIXTURES}/py-transformer`);
  const d = await detail(app, 'py-transformer');
  t.equal(d.state, 'ready');
  t.equal(d.runtimeInfo?.state, 'serving');

  t.strictSame((await transform(app, 'py-transformer', 'hello')).body.outputs, ['HELLO!'], 'config reached the plugin');
  const batch = await app.inject({ method: 'POST', url: '/plugins/py-transformer/transform', payload: { texts: ['a', 'b'] } });
  t.strictSame(batch.json().results, [['A!'], ['B!']]);

  const bad = await transform(app, 'py-transformer', 'bad-input');
  t.equal(bad.status, 400);
  t.match(bad.body.message, /python says the input is bad/);
  t.equal((await transform(app, 'py-transformer', 'missing')).status, 404);
  const boom = await transform(app, 'py-transformer', 'boom');
  t.equal(boom.status, 502);
  t.match(boom.body.message, /RuntimeError: python exploded/);
  t.match(logs(), /RuntimeError: python exploded/, 'the traceback is in the gateway log');

  const slow = await transform(app, 'py-transformer', 'slow');
  t.equal(slow.status, 504, 'a call past resources.timeout is a 504');
  t.strictSame((await transform(app, 'py-transformer', 'still-there')).body.outputs, ['STILL-THERE!']);

  const limits = (await transform(app, 'py-transformer', 'limits')).body.outputs![0];
  const bytes = 512 * 1024 * 1024;
  t.match(limits, new RegExp(`^Max address space\\s+${bytes}\\s+${bytes}\\s+bytes`), 'resources.memory is the address-space limit');
  t.equal(d.runtimeInfo?.addressSpaceLimitBytes, bytes);

  // tap's process tracking adds NODE_OPTIONS and _TAPJS_* to every child it sees spawned.
  const env = (await transform(app, 'py-transformer', 'env')).body.outputs!.filter((n) => !n.startsWith('_TAPJS_') && n !== 'NODE_OPTIONS');
  const passedThrough = ['LC_ALL', 'LC_CTYPE', 'TZ', 'TMPDIR'].filter((n) => process.env[n]);
  const expected = ['HOME', 'LANG', 'MALLOC_ARENA_MAX', 'PATH', 'PWD', 'PYTHONDONTWRITEBYTECODE', 'PYTHONUNBUFFERED', ...passedThrough];
  expected.push('MODGATE_PLUGIN_MAGIC_COOKIE', 'MODGATE_PLUGIN_NAME', 'MODGATE_PLUGIN_PROTOCOL_VERSIONS', 'MODGATE_PLUGIN_SOCKET_DIR');
  t.strictSame(env, expected.sort(), 'exactly the minimal environment (PWD comes from the run script’s shell)');
  t.equal((await transform(app, 'py-transformer', 'cwd')).body.outputs![0], await realpath(`${GRPC_FIXTURES}/py-transformer`));
  t.match(logs(), /configured with suffix '!'/, 'the plugin’s log lines reach the gateway log');
});

t.test('a Python generator streams over server-sent events', async (t) => {
  const { app } = await buildTestApp(t);
  await app.gateway.manager.load(`${GRPC_FIXTURES}/py-generator`);
  const whole = await app.inject({ method: 'POST', url: '/plugins/py-generator/generate', payload: { prompt: 'one two three', maxTokens: 2 } });
  t.equal(whole.json().text, 'one two');
  const sse = await app.inject({
    method: 'POST',
    url: '/plugins/py-generator/generate',
    payload: { messages: [{ role: 'user', content: 'x y z' }], stream: true },
  });
  const chunks = [...sse.body.matchAll(/^data: (\{"text".*\})$/gm)].map((m) => JSON.parse(m[1]).text);
  t.strictSame(chunks, ['x', ' y', ' z']);
  const broken = await app.inject({ method: 'POST', url: '/plugins/py-generator/generate', payload: { prompt: 'ok fail', stream: true } });
  t.match(broken.body, /data: \{"text":"ok"\}/);
  t.match(broken.body, /event: error/);
  t.match(broken.body, /python generator broke/);
});
