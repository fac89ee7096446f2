// The real server process: npm start's entry point, listening, and a graceful SIGTERM that
// lets an in-flight call finish before the process exits.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import t from 'tap';
import { FIXTURES, REPO_ROOT } from './helpers/app.js';

t.test('SIGTERM drains the in-flight call, then the process exits cleanly', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'modgate-server-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'src/cli/main.ts'), 'serve', '--port', '0', '--host', '127.0.0.1'], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH, MODGATE_PLUGINS_DIR: join(FIXTURES, 'native-slow'), MODGATE_DATA_DIR: dataDir, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.teardown(() => child.kill('SIGKILL'));
  const lines: string[] = [];
  const address = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      lines.push(line);
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(line);
      if (match) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`server exited early (${code}): ${lines.join('\n')}`)));
  });
  let ready = await fetch(`${address}/health/ready`);
  for (let i = 0; i < 50 && ready.status !== 200; i++) {
    await new Promise((r) => setTimeout(r, 100));
    ready = await fetch(`${address}/health/ready`);
  }
  t.equal(ready.status, 200, 'ready once the plugins folder is loaded');

  const call = fetch(`${address}/plugins/slow-transformer/transform`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ text: 'in flight' }),
  });
  await new Promise((r) => setTimeout(r, 200));
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const response = await call;
  t.equal(response.status, 200, 'the call that was running when SIGTERM arrived completes');
  t.same(await response.json(), { outputs: ['done: in flight'], model: 'slow-transformer' });
  const [code] = await exited;
  t.equal(code, 0, 'clean exit');
  t.ok(lines.some((l) => l.includes('"signal":"SIGTERM"')), 'the shutdown is logged with its signal');
});
