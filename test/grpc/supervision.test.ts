// Supervising local gRPC plugin processes: a plugin killed during a burst of calls, one that
// dies mid-call, one that hangs, one whose health check fails, one that keeps crashing, and
// the gateway shutting down. Real processes, real sockets.
import t from 'tap';
import { buildTestApp } from '../helpers/app.js';
import { detail, GRPC_FIXTURES, isAlive, transform, waitFor } from './helpers.js';

t.test('kill -9 during a burst: every call ends (200, or 503 at once), then the plugin is back', async (t) => {
  const { app } = await buildTestApp(t);
  const { manager } = app.gateway;
  await manager.load(`${GRPC_FIXTURES}/grpc-vectorizer`, { config: { delayMs: 300 } });
  const before = await detail(app, 'grpc-vectorizer');
  const pid = before.runtimeInfo!.pid!;

  const call = (i: number) =>
    app.inject({ method: 'POST', url: '/plugins/grpc-vectorizer/vectorize', payload: { text: 'x'.repeat(i + 1) } });
  const first = Array.from({ length: 20 }, (_, i) => call(i));
  await waitFor('calls in flight', () => (manager.registry.get('grpc-vectorizer')!.inFlight >= 5 ? true : undefined));
  process.kill(pid, 'SIGKILL');
  const second = Array.from({ length: 20 }, (_, i) => call(i));
  const results = await Promise.all([...first, ...second]);

  const statuses = results.map((r) => r.statusCode);
  t.ok(
    statuses.every((s) => s === 200 || s === 503 || s === 502),
    `every call ended with 200, 502 or 503 (never a 504 after waiting out the deadline): ${statuses.join(',')}`,
  );
  const unavailable = results.filter((r) => r.statusCode === 503);
  t.ok(unavailable.length >= 5, 'the calls in flight at the kill and those right after it got 503');
  for (const r of unavailable) {
    t.equal(r.json().code, 'MODGATE_PLUGIN_UNAVAILABLE');
    t.ok(Number(r.headers['retry-after']) >= 1, 'with Retry-After');
  }

  const after = await waitFor('the restarted process', async () => {
    const d = await detail(app, 'grpc-vectorizer');
    return d.runtimeInfo?.state === 'serving' && d.runtimeInfo.pid !== pid ? d : undefined;
  });
  t.equal(after.runtimeInfo!.restarts, 1);
  t.equal(after.state, 'ready');
  t.notOk(isAlive(pid));
  const res = await call(3);
  t.equal(res.statusCode, 200);
  t.strictSame(res.json().vector, [4, 1, 0, 0], 'serving again, with its config');
});

t.test('a process that dies in the middle of a call fails that call at once with 503, and is restarted', async (t) => {
  const { app, logs } = await buildTestApp(t);
  await app.gateway.manager.load(`${GRPC_FIXTURES}/grpc-transformer`);
  const pid = (await detail(app, 'grpc-transformer')).runtimeInfo!.pid!;
  const dying = await transform(app, 'grpc-transformer', 'exit');
  t.equal(dying.status, 503, 'not a 504 at the deadline: the call fails as soon as the process is gone');
  t.equal(dying.body.code, 'MODGATE_PLUGIN_UNAVAILABLE');
  await waitFor('the supervisor to notice', async () => ((await detail(app, 'grpc-transformer')).runtimeInfo?.state === 'restarting' ? true : undefined));
  const next = await transform(app, 'grpc-transformer', 'right after');
  t.equal(next.status, 503, 'while restarting: 503');
  t.match(next.body.message, /restarting \(process \d+ exited with code 7\)/);
  t.ok(Number(next.headers['retry-after']) >= 1);
  await waitFor('the restart', async () => ((await detail(app, 'grpc-transformer')).runtimeInfo?.state === 'serving' ? true : undefined));
  const back = await transform(app, 'grpc-transformer', 'pid');
  t.not(back.body.outputs![0], String(pid));
  t.match(logs(), new RegExp(`process ${pid} exited with code 7`));
});

t.test('a call that hangs ends with 504 at the plugin’s deadline; the plugin keeps serving', async (t) => {
  const { app } = await buildTestApp(t);
  await app.gateway.manager.load(`${GRPC_FIXTURES}/grpc-transformer`);
  const pid = (await detail(app, 'grpc-transformer')).runtimeInfo!.pid;
  const hung = await transform(app, 'grpc-transformer', 'hang');
  t.equal(hung.status, 504);
  t.equal(hung.body.code, 'MODGATE_PLUGIN_TIMEOUT');
  t.match(hung.body.message, /did not answer within 1000 ms/);
  const fine = await transform(app, 'grpc-transformer', 'pid');
  t.strictSame(fine.body.outputs, [String(pid)], 'same process, still serving');
});

t.test('failed health checks: the process is killed and restarted', async (t) => {
  const { app, logs } = await buildTestApp(t, { grpcHealthIntervalMs: 150 });
  await app.gateway.manager.load(`${GRPC_FIXTURES}/grpc-transformer`);
  const pid = (await detail(app, 'grpc-transformer')).runtimeInfo!.pid!;
  t.equal((await transform(app, 'grpc-transformer', 'unhealthy')).status, 200);
  const after = await waitFor('a new process', async () => {
    const d = await detail(app, 'grpc-transformer');
    return d.runtimeInfo?.state === 'serving' && d.runtimeInfo.pid !== pid ? d : undefined;
  });
  t.equal(after.runtimeInfo!.restarts, 1);
  t.notOk(isAlive(pid));
  t.match(logs(), /health check answered NOT_SERVING \(1 in a row\)/);
  t.match(logs(), /was killed after 2 failed health checks in a row/);
  t.equal((await transform(app, 'grpc-transformer', 'abc')).status, 200, 'the new process is healthy and serving');
});

t.test('a plugin that keeps crashing is given up: failed, with the reason, until reloaded', async (t) => {
  const { app } = await buildTestApp(t, { grpcMaxRestarts: 2 });
  await app.gateway.manager.load(`${GRPC_FIXTURES}/crash-loop`);
  const pid = (await detail(app, 'crash-loop')).runtimeInfo!.pid!;
  process.kill(pid, 'SIGKILL');
  const failed = await waitFor('the plugin to be given up', async () => {
    const d = await detail(app, 'crash-loop');
    return d.state === 'failed' ? d : undefined;
  });
  t.match(failed.failure, /gave up after 3 crashes in a row; last: restart failed: .*exited with code 4 before its handshake/);
  t.match(failed.failure, /refusing to start again/);
  t.equal(failed.runtimeInfo?.state, 'failed');
  t.equal(failed.runtimeInfo?.restarts, 2);
  const call = await transform(app, 'crash-loop', 'x');
  t.equal(call.status, 503);
  t.match(call.body.message, /gave up after 3 crashes/);
});

t.test('gateway shutdown stops every plugin process and removes its socket folder', async (t) => {
  const { app, close } = await buildTestApp(t);
  const names = ['grpc-transformer', 'grpc-vectorizer', 'grpc-storage'];
  await Promise.all(names.map((n) => app.gateway.manager.load(`${GRPC_FIXTURES}/${n}`)));
  const infos = await Promise.all(names.map(async (n) => (await detail(app, n)).runtimeInfo!));
  const pids = infos.map((i) => i.pid!);
  t.ok(pids.every(isAlive), 'all running');
  const { existsSync } = await import('node:fs');
  const { dirname } = await import('node:path');
  const socketDirs = infos.map((i) => dirname(i.address!.replace(/^unix:/, '')));
  t.ok(socketDirs.every((d) => existsSync(d)));
  await close();
  t.strictSame(pids.filter(isAlive), [], 'no plugin process left');
  t.strictSame(socketDirs.filter((d) => existsSync(d)), [], 'no socket folder left');
});

t.test('hot reload under load: no call fails, and the old process is stopped once drained', async (t) => {
  const { app } = await buildTestApp(t);
  const { manager } = app.gateway;
  await manager.load(`${GRPC_FIXTURES}/grpc-vectorizer`, { config: { delayMs: 40 } });
  const oldPid = (await detail(app, 'grpc-vectorizer')).runtimeInfo!.pid!;
  let reloaded = false;
  const markers: number[] = [];
  const statuses: number[] = [];
  const worker = async () => {
    while (!reloaded || markers.filter((m) => m === 2).length < 8) {
      const res = await app.inject({ method: 'POST', url: '/plugins/grpc-vectorizer/vectorize', payload: { text: 'abc' } });
      statuses.push(res.statusCode);
      if (res.statusCode === 200) markers.push(res.json().vector[1]);
    }
  };
  const workers = Array.from({ length: 4 }, worker);
  await waitFor('some calls on the old version', () => (markers.length >= 8 ? true : undefined));
  await manager.reload('grpc-vectorizer', undefined, { config: { delayMs: 40, marker: 2 } });
  reloaded = true;
  await Promise.all(workers);
  t.ok(statuses.every((s) => s === 200), `every call succeeded (${statuses.length} calls)`);
  t.ok(markers.includes(1) && markers.includes(2), 'answers from the old version, then the new one');
  t.notOk(isAlive(oldPid), 'the old process was stopped');
  t.not((await detail(app, 'grpc-vectorizer')).runtimeInfo!.pid, oldPid);
});

t.test('a gateway that dies without cleaning up (SIGKILL) leaves no plugin process behind', async (t) => {
  const { spawn } = await import('node:child_process');
  const { createInterface } = await import('node:readline');
  const { spawnSync } = await import('node:child_process');
  const { REPO_ROOT } = await import('../helpers/app.js');
  const built = spawnSync('/usr/bin/python3', [`${REPO_ROOT}/sdk/python/build.py`], { encoding: 'utf8' });
  t.equal(built.status, 0, `the Python SDK builds (needs python3-grpcio python3-grpc-tools python3-protobuf): ${built.stderr}`);
  const gateway = spawn(
    process.execPath,
    ['--import', 'tsx', `${GRPC_FIXTURES}/shared/gateway-process.ts`, `${GRPC_FIXTURES}/grpc-transformer`, `${GRPC_FIXTURES}/py-transformer`],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  t.teardown(() => {
    if (gateway.exitCode === null && gateway.signalCode === null) gateway.kill('SIGKILL');
  });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: gateway.stdout! }).once('line', resolve);
    gateway.once('exit', (code) => reject(new Error(`the gateway process exited with ${code}`)));
  });
  const pids = Object.values((JSON.parse(line) as { pids: Record<string, number> }).pids);
  t.equal(pids.length, 2);
  t.ok(pids.every(isAlive), 'both plugin processes run');
  gateway.kill('SIGKILL');
  // Their stdin (a pipe from the gateway) is closed by the kernel: the SDKs take that as the end.
  await waitFor('the plugin processes to exit', () => (pids.some(isAlive) ? undefined : true));
  t.strictSame(pids.filter(isAlive), []);
});
