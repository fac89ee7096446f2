// The bundled gRPC plugins, started by a real gateway as real processes: the TypeScript SDK's
// hash-embedder-grpc and the Python SDK's py-hash-embedder, each compared with the native
// hash-embedder and the frozen golden vectors (bit for bit) over HTTP.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { BUNDLED_PLUGINS, bundledSubset, buildTestApp, FIXTURES } from '../helpers/app.js';

interface Golden {
  text: string;
  dimensions: number;
  config: Record<string, unknown>;
  vector: number[];
}

const goldens = ['hash-embedder-golden.json', 'hash-embedder-golden-weighted.json'].map(
  (file) => JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')) as Golden,
);
const texts = ['The cat sat on the mat', 'Größe, café & naïve! 東京 -- 42', ''];

function requireBuilt(dir: string, artifact: string, hint: string): void {
  if (!existsSync(join(BUNDLED_PLUGINS, dir, artifact))) {
    throw new Error(`plugins/${dir}/${artifact} is missing: run \`node scripts/build-plugins.mjs plugins/${dir}\` (${hint})`);
  }
}

for (const { name, artifact, hint } of [
  { name: 'hash-embedder-grpc', artifact: 'dist/server.mjs', hint: 'npm test does it in pretest' },
  {
    name: 'py-hash-embedder',
    artifact: 'dist/modgate_plugin/_generated/modgate/plugin/v1/plugin_pb2.py',
    hint: 'it needs the Debian packages python3-grpcio python3-grpc-tools python3-protobuf',
  },
]) {
  t.test(`${name} starts, reports its info and embeds exactly like the native hash-embedder`, async (t) => {
    requireBuilt(name, artifact, hint);
    const dir = await bundledSubset(t, ['hash-embedder', name]);
    const { app } = await buildTestApp(t, { pluginsDirs: [dir] });
    const detail = await app.inject({ method: 'GET', url: `/plugins/${name}` });
    t.equal(detail.statusCode, 200);
    const body = detail.json();
    t.equal(body.state, 'ready', body.failure ?? 'ready');
    t.equal(body.runtime, 'grpc');
    t.equal(body.dimensions, 384);
    t.equal(body.runtimeInfo.mode, 'local');
    t.equal(body.runtimeInfo.state, 'serving');
    t.equal(body.runtimeInfo.restarts, 0);
    t.type(body.runtimeInfo.pid, 'number');
    t.equal(body.runtimeInfo.pluginVersion, '1.0.0', 'GetInfo version');
    t.equal(body.runtimeInfo.protocolVersion, 1);

    const viaGrpc = await app.inject({ method: 'POST', url: `/plugins/${name}/vectorize`, payload: { texts } });
    const native = await app.inject({ method: 'POST', url: '/plugins/hash-embedder/vectorize', payload: { texts } });
    t.equal(viaGrpc.statusCode, 200);
    t.equal(viaGrpc.json().vectors.length, 3);
    t.strictSame(viaGrpc.json().vectors, native.json().vectors, 'same vectors as the in-process plugin');

    const one = await app.inject({ method: 'POST', url: `/plugins/${name}/vectorize`, payload: { text: texts[0] } });
    t.strictSame(one.json().vector, native.json().vectors[0], 'a single text too');

    const health = await app.inject({ method: 'GET', url: `/plugins/${name}/health` });
    t.equal(health.statusCode, 200);
    t.match(health.json(), { healthy: true, detail: /SERVING/ });

    await t.rejects(
      app.gateway.manager.reload(name, undefined, { config: { minN: 5, maxN: 3 } }),
      { statusCode: 422, message: new RegExp(`plugin "${name}": Configure failed: .*minN \\(5\\) must not be greater than .*maxN \\(3\\)`) },
      'a config the plugin refuses fails the reload with the plugin’s own message',
    );
    t.equal((await app.inject({ method: 'POST', url: `/plugins/${name}/vectorize`, payload: { text: 'x' } })).statusCode, 200, 'the running version keeps serving');

    for (const golden of goldens) {
      // A reload with the golden's config (what PUT /plugins/:name does with new config values).
      await app.gateway.manager.reload(name, undefined, { config: { dimensions: golden.dimensions, ...golden.config } });
      const res = await app.inject({ method: 'POST', url: `/plugins/${name}/vectorize`, payload: { text: golden.text } });
      t.equal(res.statusCode, 200);
      t.strictSame(res.json().vector, golden.vector, `golden vector (charWeight ${golden.config.charWeight}) bit for bit`);
    }
  });
}
