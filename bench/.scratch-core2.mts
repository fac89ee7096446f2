import { buildApp } from '/work/main/src/app.ts';
import { invoke } from '/work/main/src/core/invoke.ts';
import { SHORT_TEXT } from '/work/main/bench/corpus.ts';
const gw = await buildApp({ env: {}, config: { logLevel: 'warn', pluginsDirs: ['/work/main/bench/fixtures'], dataDir: '/tmp/mgd-inj' } });
await gw.ready(); await gw.gateway.started;
const ops = gw.gateway.operations; const manager = gw.gateway.manager as any;
async function time(name: string, f: () => Promise<unknown>) {
  for (let i = 0; i < 20000; i++) await f();
  const n = 100000; const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) await f();
  const cpu = process.cpuUsage(c0);
  console.log(name.padEnd(40), ((cpu.user + cpu.system) / n).toFixed(2), 'us cpu');
}
const v = new Float32Array(384);
const lease = () => { const l = manager.registry.lease('memo-embedder', 'vectorizer'); l.release(); };
for (let r = 0; r < 2; r++) {
  await time('lease+release', async () => lease());
  await time('timer set+clear', async () => clearTimeout(setTimeout(() => {}, 5000)));
  await time('invoke trivial run', () => invoke(manager, 'memo-embedder', 'vectorizer', 'vectorize', async () => v));
  await time('operations.vectorize', () => ops.vectorize('memo-embedder', [SHORT_TEXT]));
  const obs = manager.observer; manager.observer = undefined;
  await time('operations.vectorize, no observer', () => ops.vectorize('memo-embedder', [SHORT_TEXT]));
  manager.observer = obs;
}
await gw.close();
