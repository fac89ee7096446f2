// What a local plugin process gets: its folder as working directory and a minimal environment
// (never the gateway's own variables). The memory limit is tested with a Python plugin
// (python-sdk.test.ts): Node.js with tsx reserves more address space than a test should grant.
import { realpath } from 'node:fs/promises';
import t from 'tap';
import { buildTestApp } from '../helpers/app.js';
import { GRPC_FIXTURES, transform } from './helpers.js';

t.test('a plugin process runs in its folder with a minimal environment', async (t) => {
  process.env.MODGATE_TEST_GATEWAY_SECRET = 'must-not-leak';
  t.teardown(() => {
    delete process.env.MODGATE_TEST_GATEWAY_SECRET;
  });
  const { app } = await buildTestApp(t);
  await app.gateway.manager.load(`${GRPC_FIXTURES}/grpc-transformer`);
  const env = (await transform(app, 'grpc-transformer', 'env')).body.outputs!;
  for (const name of ['PATH', 'HOME', 'LANG', 'MODGATE_PLUGIN_MAGIC_COOKIE', 'MODGATE_PLUGIN_PROTOCOL_VERSIONS', 'MODGATE_PLUGIN_SOCKET_DIR', 'MODGATE_PLUGIN_NAME']) {
    t.ok(env.includes(name), `${name} is set`);
  }
  t.notOk(env.includes('MODGATE_TEST_GATEWAY_SECRET'), 'the gateway’s own environment is not passed on');
  const cwd = (await transform(app, 'grpc-transformer', 'cwd')).body.outputs![0];
  t.equal(cwd, await realpath(`${GRPC_FIXTURES}/grpc-transformer`));
  const limits = (await transform(app, 'grpc-transformer', 'limits')).body.outputs![0];
  t.match(limits, /^Max address space\s+unlimited\s+unlimited/, 'no memory in the manifest: no limit');
});
