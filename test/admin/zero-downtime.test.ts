// Zero downtime, proven over real HTTP: a steady stream of concurrent batch vectorize calls
// runs while the plugin is updated (PUT, a real multipart upload) and rolled back 10 times
// each. Every call must succeed, every batch must come whole from one version (all its
// vectors carry the marker of the version the answer names), and a retired version must have
// finished its calls before it was stopped (the fixtures fail any call that outlives their
// stop; a stopped gRPC process cannot answer). One table entry per runtime.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import type { Config } from '../../src/config.js';
import { ADMIN_TOKEN, buildTestApp } from '../helpers/app.js';
import { tempDir, writeGrpcPlugin, writeNativePlugin, writeWasmPlugin, type NativeSpec } from './helpers.js';

interface RuntimeCase {
  runtime: string;
  write(root: string, spec: NativeSpec): Promise<string>;
  config: Partial<Config>;
  /** Config values sent with the first upload (slows native calls so they overlap swaps). */
  pluginConfig?: Record<string, unknown>;
}

const RUNTIMES: RuntimeCase[] = [
  { runtime: 'native', write: writeNativePlugin, config: { allowNativeUploads: true }, pluginConfig: { delayMs: 2 } },
  { runtime: 'wasm', write: writeWasmPlugin, config: {} },
  // A plugin process per version: each update starts one, each swap stops the retired one.
  { runtime: 'grpc', write: writeGrpcPlugin, config: { allowNativeUploads: true }, pluginConfig: { delayMs: 2 } },
];

const ROUNDS = 10;
const WORKERS = 8;
const TEXTS = ['a', 'bb', 'ccc', 'dddd', 'eeeee'];
const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
const versionOf = (marker: number) => `${marker}.0.0`;

async function formOf(dir: string, config?: Record<string, unknown>): Promise<FormData> {
  const form = new FormData();
  for (const entry of await readdir(dir)) {
    const bytes = await readFile(join(dir, entry));
    form.append(entry === 'plugin.yaml' ? 'manifest' : 'file', new Blob([bytes]), entry);
  }
  if (config) form.append('config', JSON.stringify(config));
  return form;
}

for (const c of RUNTIMES) {
  t.test(`${c.runtime}: ${ROUNDS} updates and ${ROUNDS} rollbacks under load lose no call`, async (t) => {
    const { app } = await buildTestApp(t, { drainTimeoutMs: 10_000, ...c.config });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    const base = `http://127.0.0.1:${address.port}`;
    const root = await tempDir(t);

    const first = await fetch(`${base}/plugins`, { method: 'POST', headers: auth, body: await formOf(await c.write(root, { version: versionOf(1), marker: 1 }), c.pluginConfig) });
    t.equal(first.status, 201, await first.clone().text());

    const failures: string[] = [];
    const seen = new Map<number, number>();
    let completed = 0;
    let running = true;
    const worker = async () => {
      while (running) {
        try {
          const res = await fetch(`${base}/plugins/versioned/vectorize`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ texts: TEXTS }),
          });
          const body = (await res.json()) as { vectors?: number[][]; version?: string; message?: string };
          if (res.status !== 200 || !body.vectors) {
            failures.push(`HTTP ${res.status}: ${body.message ?? JSON.stringify(body)}`);
            continue;
          }
          const markers = new Set(body.vectors.map((v) => v[1]));
          const [marker] = markers;
          if (markers.size !== 1) failures.push(`one batch mixed versions: markers ${[...markers].join(',')}`);
          else if (versionOf(marker) !== body.version) failures.push(`answer says ${body.version} but its vectors come from ${versionOf(marker)}`);
          if (body.vectors.some((v, i) => v[0] !== TEXTS[i].length)) failures.push(`wrong vectors ${JSON.stringify(body.vectors)}`);
          seen.set(marker, (seen.get(marker) ?? 0) + 1);
        } catch (err) {
          failures.push(`request failed: ${(err as Error).message}`);
        }
        completed++;
      }
    };
    /** Waits (without a clock) until every worker has had a call answered since now. */
    const progress = async () => {
      const target = completed + WORKERS;
      while (completed < target) await new Promise((resolve) => setImmediate(resolve));
    };
    const workers = Array.from({ length: WORKERS }, worker);

    const { registry } = app.gateway.manager;
    const swap = async (label: string, request: () => Promise<Response>, expected: string) => {
      await progress();
      const retired = registry.get('versioned')!;
      const res = await request();
      const body = (await res.json()) as { version?: string; message?: string };
      t.equal(res.status, 200, `${label}: ${body.message ?? 'ok'}`);
      t.equal(body.version, expected, `${label}: ${expected} is active`);
      t.equal(retired.state, 'stopped', `${label}: the retired version ${retired.version} is stopped`);
      t.equal(retired.inFlight, 0, `${label}: and had no call in flight when it stopped`);
    };
    for (let round = 1; round <= ROUNDS; round++) {
      const marker = round + 1;
      const dir = await c.write(root, { version: versionOf(marker), marker });
      await swap(`update ${round}`, async () => fetch(`${base}/plugins/versioned`, { method: 'PUT', headers: auth, body: await formOf(dir) }), versionOf(marker));
      await swap(`rollback ${round}`, () => fetch(`${base}/plugins/versioned/rollback`, { method: 'POST', headers: auth }), versionOf(1));
    }
    await progress();
    running = false;
    await Promise.all(workers);

    t.same(failures, [], 'zero failed calls');
    t.ok((seen.get(1) ?? 0) > 0, 'the first version answered');
    const updated = [...seen.keys()].filter((m) => m !== 1);
    t.ok(updated.length > 0, `updated versions answered too (markers ${updated.sort((a, b) => a - b).join(', ')})`);
    t.equal(registry.get('versioned')!.version, versionOf(1));
  });
}
