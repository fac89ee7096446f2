// Remote gRPC plugins (spec.endpoint): a server the test starts itself, outside the gateway.
// The gateway connects, checks and configures it, notices when it goes away (503), reconnects
// when it comes back, and never stops it.
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import t from 'tap';
import { parseHandshake } from '../../src/runtimes/grpc/handshake.js';
import { buildTestApp } from '../helpers/app.js';
import { detail, GRPC_FIXTURES, isAlive, transform, waitFor } from './helpers.js';

const TLS = join(GRPC_FIXTURES, 'tls');

interface Teardown {
  teardown(fn: () => unknown): void;
}

interface Server {
  child: ChildProcess;
  address: string;
}

/** Starts the transformer fixture as a standalone server; resolves with its address. */
async function startServer(t: Teardown, listen: string, env: Record<string, string> = {}): Promise<Server> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(GRPC_FIXTURES, 'shared', 'serve-fixture.ts'), 'transformer'], {
    env: { PATH: process.env.PATH, MODGATE_PLUGIN_LISTEN: listen, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const lines = createInterface({ input: child.stdout! });
  const address = await new Promise<string>((resolve, reject) => {
    lines.on('line', (line) => {
      const handshake = parseHandshake(line, [1]);
      if (handshake) resolve(handshake.address);
    });
    child.once('exit', (code) => reject(new Error(`the standalone server exited with ${code}`)));
  });
  return { child, address };
}

async function pluginFolder(t: Teardown, name: string, spec: string, files: string[] = []): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'modgate-remote-'));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  const dir = join(root, name);
  await mkdir(dir);
  for (const file of files) await copyFile(join(TLS, file), join(dir, file));
  await writeFile(
    join(dir, 'plugin.yaml'),
    `apiVersion: modgate.io/v1
kind: Plugin
metadata: { name: ${name}, version: 1.0.0 }
spec:
  type: transformer
  runtime: grpc
${spec}
  resources: { timeout: 2s }
`,
  );
  return dir;
}

function killed(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

t.test('a remote plugin: served, unavailable while its server is down, back when it returns, never stopped by the gateway', async (t) => {
  const first = await startServer(t, '127.0.0.1:0');
  const dir = await pluginFolder(t, 'remote-transformer', `  endpoint: ${first.address}`);
  const { app, close } = await buildTestApp(t, { grpcHealthIntervalMs: 200 });
  await app.gateway.manager.load(dir);

  const d = await detail(app, 'remote-transformer');
  t.equal(d.state, 'ready');
  t.equal(d.runtimeInfo?.mode, 'remote');
  t.equal(d.runtimeInfo?.state, 'connected');
  t.strictSame((await transform(app, 'remote-transformer', 'abc')).body.outputs, ['ABC', '3']);
  t.equal((await transform(app, 'remote-transformer', 'pid')).body.outputs![0], String(first.child.pid));

  await killed(first.child);
  const down = await transform(app, 'remote-transformer', 'abc');
  t.equal(down.status, 503, 'its server is gone: 503');
  t.ok(Number(down.headers['retry-after']) >= 1);
  const disconnected = await waitFor('the gateway to notice', async () => {
    const info = (await detail(app, 'remote-transformer')).runtimeInfo;
    return info?.state === 'disconnected' ? info : undefined;
  });
  t.match(disconnected.reason, /health check failed|unavailable|No connection/);
  const meanwhile = await transform(app, 'remote-transformer', 'abc');
  t.equal(meanwhile.status, 503);
  t.match(meanwhile.body.message, /remote server 127\.0\.0\.1:\d+ is not reachable/);

  const second = await startServer(t, first.address);
  const back = await waitFor('the reconnect', async () => {
    const info = (await detail(app, 'remote-transformer')).runtimeInfo;
    return info?.state === 'connected' ? info : undefined;
  });
  t.equal(back.reconnects, 1);
  const again = await transform(app, 'remote-transformer', 'pid');
  t.equal(again.status, 200, 'configured again and serving');
  t.equal(again.body.outputs![0], String(second.child.pid));

  await close();
  t.ok(isAlive(second.child.pid!), 'the gateway never stops a remote plugin’s server');
});

t.test('a remote plugin over TLS, checked against the CA in its folder', async (t) => {
  const server = await startServer(t, '127.0.0.1:0', {
    MODGATE_PLUGIN_TLS_CERT_FILE: join(TLS, 'server.crt'),
    MODGATE_PLUGIN_TLS_KEY_FILE: join(TLS, 'server.key'),
  });
  const port = server.address.split(':')[1];
  const dir = await pluginFolder(t, 'tls-transformer', `  endpoint: 127.0.0.1:${port}\n  tls: { ca: ./server.crt, serverName: plugin.test }`, ['server.crt']);
  const { app } = await buildTestApp(t);
  await app.gateway.manager.load(dir);
  t.strictSame((await transform(app, 'tls-transformer', 'secure')).body.outputs, ['SECURE', '6']);
  t.equal((await detail(app, 'tls-transformer')).runtimeInfo?.tls, true);

  const plain = await pluginFolder(t, 'plain-to-tls', `  endpoint: 127.0.0.1:${port}`);
  await t.rejects(app.gateway.manager.load(plain), { statusCode: 422, message: /GetInfo failed/ }, 'plaintext to a TLS server does not connect');
});

t.test('a remote plugin whose server is not there fails to load and says where it looked', async (t) => {
  const { app } = await buildTestApp(t, { grpcStartTimeoutMs: 2000 });
  const dir = await pluginFolder(t, 'nobody-home', '  endpoint: 127.0.0.1:1');
  await t.rejects(app.gateway.manager.load(dir), { statusCode: 422, message: /plugin "nobody-home": remote server 127\.0\.0\.1:1: GetInfo failed: .*unavailable/ });
  t.equal((await detail(app, 'nobody-home')).state, 'failed');
});
