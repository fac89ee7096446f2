// Stopping local gRPC plugin processes that will not stop politely, on real processes and
// sockets: the ladder Shutdown -> grace -> SIGTERM -> grace -> SIGKILL with a short
// MODGATE_GRPC_STOP_GRACE (test/fixtures/grpc/stubborn ignores Shutdown and traps SIGTERM).
// The gateway's composition root (src/gateway.ts) builds the same GrpcRuntime from the same
// Config; here the manager gets it directly so the grace can be short.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pino from 'pino';
import t, { type Test } from 'tap';
import { loadConfig } from '../../src/config.js';
import { PluginManager } from '../../src/core/manager.js';
import { GrpcRuntime } from '../../src/runtimes/grpc/grpc-runtime.js';
import type { Teardown } from '../helpers/app.js';
import { captureLog } from '../helpers/log-capture.js';
import { GRPC_FIXTURES, isAlive } from './helpers.js';

const GRACE_MS = 400;

interface LogLine {
  time: number;
  level: number;
  plugin?: string;
  msg: string;
}

async function startManager(t: Teardown, env: NodeJS.ProcessEnv) {
  const config = loadConfig(env);
  const runtime = new GrpcRuntime({
    startTimeoutMs: config.grpcStartTimeoutMs,
    healthIntervalMs: config.grpcHealthIntervalMs,
    maxRestarts: config.grpcMaxRestarts,
    stopGraceMs: config.grpcStopGraceMs,
  });
  const log = captureLog();
  const dataDir = await mkdtemp(join(tmpdir(), 'modgate-stop-'));
  const manager = new PluginManager({
    runtimes: [runtime],
    logger: pino({ level: 'info' }, log.stream),
    dataDir,
    gatewayVersion: '0.1.0',
    loadTimeoutMs: 30_000,
    drainTimeoutMs: 5_000,
  });
  t.teardown(async () => {
    await manager.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  const pluginLines = (name: string) => log.records<LogLine>().filter((l) => l.plugin === name);
  return { config, manager, runtime, pluginLines };
}

/** The process and socket folder of a loaded local plugin, from the supervisor's own description. */
function processOf(manager: PluginManager, name: string) {
  const info = manager.registry.get(name)!.loaded!.describe!() as { pid: number; address: string; state: string };
  return { pid: info.pid, state: info.state, socketDir: dirname(info.address.replace(/^unix:/, '')) };
}

/** The time of the first log line of `lines` matching `pattern`, failing the test when there is none. */
function timeOf(t: Test, lines: LogLine[], pattern: RegExp): number {
  const line = lines.find((l) => pattern.test(l.msg));
  t.ok(line, `logged: ${pattern}`);
  return line?.time ?? NaN;
}

t.test('MODGATE_GRPC_STOP_GRACE: a duration, 3s by default', async (t) => {
  t.equal(loadConfig({}).grpcStopGraceMs, 3000, 'default');
  t.equal(loadConfig({ MODGATE_GRPC_STOP_GRACE: '400ms' }).grpcStopGraceMs, 400, 'from the environment');
  t.throws(() => loadConfig({ MODGATE_GRPC_STOP_GRACE: 'soon' }), /MODGATE_GRPC_STOP_GRACE="soon" is invalid: expected a duration/);
});

t.test('unload: a plugin that ignores Shutdown and SIGTERM is SIGKILLed after the grace, twice over', async (t) => {
  const { config, manager, pluginLines } = await startManager(t, { MODGATE_GRPC_STOP_GRACE: `${GRACE_MS}ms` });
  t.equal(config.grpcStopGraceMs, GRACE_MS);
  await manager.load(`${GRPC_FIXTURES}/stubborn`);
  const { pid, state, socketDir } = processOf(manager, 'stubborn');
  t.equal(state, 'serving');
  t.ok(isAlive(pid), 'the plugin process runs');
  t.ok(existsSync(socketDir), 'with its socket folder');

  const started = Date.now();
  await manager.unload('stubborn');
  const elapsed = Date.now() - started;

  t.throws(() => process.kill(pid, 0), { code: 'ESRCH' }, 'the process is gone once unload returns');
  t.notOk(existsSync(socketDir), 'its socket folder is removed');
  t.ok(elapsed >= 2 * GRACE_MS - 20, `the ladder took both graces (${elapsed} ms >= ${2 * GRACE_MS} ms)`);
  t.ok(elapsed < 2 * GRACE_MS + 2500, `the short grace was used, not the 3 s default (${elapsed} ms; 6 s with the default)`);

  const lines = pluginLines('stubborn');
  const shutdownSeen = timeOf(t, lines, /\[stderr\] ignoring Shutdown/);
  const sigtermSent = timeOf(t, lines, new RegExp(`process ${pid} did not exit within ${GRACE_MS} ms of Shutdown; sending SIGTERM`));
  const sigtermSeen = timeOf(t, lines, /\[stderr\] ignoring SIGTERM/);
  const sigkillSent = timeOf(t, lines, new RegExp(`process ${pid} did not exit within ${GRACE_MS} ms of SIGTERM; sending SIGKILL`));
  const stopped = timeOf(t, lines, new RegExp(`process ${pid} stopped \\(it was killed by SIGKILL\\)`));
  t.ok(shutdownSeen <= sigtermSent && sigtermSent <= sigtermSeen && sigtermSeen <= sigkillSent && sigkillSent <= stopped, 'in that order');
  t.ok(sigtermSent - started >= GRACE_MS - 5, `SIGTERM came one grace after Shutdown (${sigtermSent - started} ms)`);
  t.ok(sigkillSent - sigtermSent >= GRACE_MS - 5, `SIGKILL came one grace after SIGTERM (${sigkillSent - sigtermSent} ms)`);
  t.ok(sigkillSent - sigtermSent < GRACE_MS + 1500, 'and not much later');
  t.equal(manager.registry.get('stubborn'), undefined, 'the plugin is forgotten');
});

t.test('a plugin that ignores Shutdown but exits on SIGTERM is not SIGKILLed', async (t) => {
  const { manager, pluginLines } = await startManager(t, { MODGATE_GRPC_STOP_GRACE: `${GRACE_MS}ms` });
  await manager.load(`${GRPC_FIXTURES}/stubborn`, { config: { sigterm: 'exit' } });
  const { pid, socketDir } = processOf(manager, 'stubborn');
  t.ok(isAlive(pid), 'the plugin process runs');
  await manager.unload('stubborn');
  t.notOk(isAlive(pid), 'the process is gone');
  t.notOk(existsSync(socketDir), 'its socket folder is removed');
  const messages = pluginLines('stubborn').map((l) => l.msg);
  t.ok(messages.some((m) => m.includes('sending SIGTERM')), 'Shutdown was ignored, so SIGTERM was sent');
  t.ok(messages.some((m) => m.includes('[stderr] exiting on SIGTERM')), 'the plugin saw it');
  t.ok(messages.some((m) => m === `process ${pid} stopped (it exited with code 0)`), 'and exited by itself');
  t.notOk(messages.some((m) => m.includes('SIGKILL')), 'no SIGKILL');
});

t.test('closing the gateway takes the same ladder: no process or socket folder is left', async (t) => {
  const { manager, runtime, pluginLines } = await startManager(t, { MODGATE_GRPC_STOP_GRACE: `${GRACE_MS}ms` });
  await manager.load(`${GRPC_FIXTURES}/stubborn`);
  const { pid, socketDir } = processOf(manager, 'stubborn');
  t.strictSame(runtime.pids(), [pid]);
  const started = Date.now();
  await manager.close(); // what app.close() runs (src/app.ts onClose)
  const elapsed = Date.now() - started;
  t.throws(() => process.kill(pid, 0), { code: 'ESRCH' }, 'the process is gone');
  t.notOk(existsSync(socketDir), 'its socket folder is removed');
  t.ok(elapsed >= 2 * GRACE_MS - 20 && elapsed < 2 * GRACE_MS + 2500, `after about two graces (${elapsed} ms)`);
  t.ok(pluginLines('stubborn').some((l) => l.msg === `process ${pid} stopped (it was killed by SIGKILL)`), 'killed by SIGKILL');
  t.strictSame(runtime.pids(), [], 'the runtime has no process left');
});
