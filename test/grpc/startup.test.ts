// Starting local gRPC plugin processes: the handshake, output before it, processes that never
// handshake (killed at the start timeout, with what they started) or die first, and GetInfo
// answers that do not match the manifest.
import { existsSync } from 'node:fs';
import t from 'tap';
import { buildTestApp } from '../helpers/app.js';
import { detail, GRPC_FIXTURES, isAlive, transform, waitFor } from './helpers.js';

async function loadFailure(app: Awaited<ReturnType<typeof buildTestApp>>['app'], name: string): Promise<Error & { statusCode?: number }> {
  try {
    await app.gateway.manager.load(`${GRPC_FIXTURES}/${name}`);
  } catch (err) {
    return err as Error & { statusCode?: number };
  }
  throw new Error(`${name} loaded but should not have`);
}

t.test('a plugin that prints junk before its handshake starts, and its output is logged under its name', async (t) => {
  const { app, logs } = await buildTestApp(t);
  await app.gateway.manager.load(`${GRPC_FIXTURES}/junk-before-handshake`);
  t.equal((await detail(app, 'junk-before-handshake')).state, 'ready');
  t.strictSame((await transform(app, 'junk-before-handshake', 'ok')).body.outputs, ['OK', '2']);

  const lines = logs()
    .split('\n')
    .filter((l) => l.includes('"plugin":"junk-before-handshake"'))
    .map((l) => JSON.parse(l) as { level: number; msg: string });
  const find = (text: string) => lines.find((l) => l.msg.includes(text));
  t.equal(find('[stdout] junk line before the handshake')?.level, 30, 'plain stdout lines are info');
  t.ok(find('[stdout] {not json at all'), 'a line that only looks like JSON is logged as is');
  t.ok(find('[stdout] 1|2|3'), 'a line that is not a full handshake is ordinary output');
  t.equal(find('structured warning from the plugin')?.level, 40, 'a JSON line keeps its level');
});

t.test('a plugin that never prints its handshake fails to load with a clear reason, and is failed', async (t) => {
  const { app } = await buildTestApp(t, { grpcStartTimeoutMs: 1500 });
  const err = await loadFailure(app, 'never-handshakes');
  t.equal(err.statusCode, 422);
  t.match(err.message, /did not print its handshake line within 1500 ms/);
  t.match(err.message, /expected "1\|1\|unix\|\/path\/to\.sock\|grpc" on stdout/);
  t.match(err.message, /still warming up/, 'quotes its last stderr lines');
  const d = await detail(app, 'never-handshakes');
  t.equal(d.state, 'failed');
  t.match(d.failure, /did not print its handshake line/);
  const call = await transform(app, 'never-handshakes', 'x');
  t.equal(call.status, 503);
});

t.test('a plugin that never handshakes is killed at the start timeout, with the processes it started', async (t) => {
  const { app } = await buildTestApp(t, { grpcStartTimeoutMs: 1500 });
  const started = Date.now();
  const err = await loadFailure(app, 'never-handshakes-forks');
  const elapsed = Date.now() - started;
  t.match(err.message, /did not print its handshake line within 1500 ms/);
  t.ok(elapsed >= 1500, `failed at the start timeout (${elapsed} ms)`);
  // Its run script (no exec) says who it is on stderr, which the failure quotes.
  const said = /shell pid (\d+), child pid (\d+), socket folder (\S+)/.exec(err.message);
  t.ok(said, 'the failure quotes the plugin’s stderr');
  const [shell, child] = [Number(said![1]), Number(said![2])];
  t.throws(() => process.kill(shell, 0), { code: 'ESRCH' }, 'the plugin process is gone when the load fails');
  // Its child was SIGKILLed with it (one process group): a zombie until init reaps it, which
  // can take a second or two here.
  const reaping = Date.now();
  await waitFor('the child to be reaped', () => (isAlive(child) ? undefined : true), 10_000);
  t.throws(() => process.kill(child, 0), { code: 'ESRCH' }, `so is the process it started without exec (reaped after ${Date.now() - reaping} ms)`);
  t.notOk(existsSync(said![3]), 'its socket folder is removed');
  t.equal((await detail(app, 'never-handshakes-forks')).state, 'failed', 'the plugin is failed');
});

t.test('a plugin that exits before its handshake: the reason has its exit code and stderr', async (t) => {
  const { app } = await buildTestApp(t);
  const err = await loadFailure(app, 'crashes-at-start');
  t.match(err.message, /\.\/run exited with code 3 before its handshake/);
  t.match(err.message, /fatal: cannot open model file \.\/model\.bin/);
});

t.test('GetInfo dimensions that do not match the manifest are refused with a clear message', async (t) => {
  const { app } = await buildTestApp(t);
  const err = await loadFailure(app, 'wrong-dimensions');
  t.equal(err.statusCode, 422);
  t.match(err.message, /plugin "wrong-dimensions" refused: GetInfo reports 4 dimensions but the manifest expects 8 \(spec\.capabilities\.dimensions\)/);
});

t.test('a plugin of another type than its manifest says is refused before it gets any config', async (t) => {
  const { app } = await buildTestApp(t);
  const err = await loadFailure(app, 'wrong-type');
  t.match(err.message, /GetInfo says it is a "transformer" but plugin\.yaml says spec\.type: reranker/);
});

t.test('the load timeout of the manager also stops a slow start', async (t) => {
  const { app } = await buildTestApp(t, { loadTimeoutMs: 1000, grpcStartTimeoutMs: 60_000 });
  const err = await loadFailure(app, 'never-handshakes');
  t.match(err.message, /did not finish loading within 1000 ms/);
});
