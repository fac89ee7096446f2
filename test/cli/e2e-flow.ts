// The end-to-end flow, offline, with the real `modgate` binary: keygen, init a plugin of each
// runtime, validate, pack twice (identical bytes), sign, publish to a registry folder, serve
// it from a listening gateway, search, install into a second gateway, invoke, publish a new
// version, update under load with zero failed calls, remove. The e2e-*.test.ts files run it
// for a few runtimes each, so no one file runs long.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Test } from 'tap';
import type { BuiltPlugins } from '@tapjs/test';
import { ADMIN_TOKEN } from '../helpers/app.js';
import { listeningGateway } from './fixtures.js';
import { cliProcess, tempDir, type CliRun } from './helpers.js';

export type Tap = Test & BuiltPlugins;

/** What the target gateway says about a plugin once it is installed, and its first answer. */
export interface Installed {
  /** GET /plugins/<name>. */
  detail: { version: string; state: string; runtime: string; runtimeInfo?: Record<string, unknown> };
  /** Its vector for "hello modgate". */
  vector: number[];
}

export interface E2EPlugin {
  name: string;
  runtime: string;
  lang?: string;
  /** Checks of the test's own on the installed 0.1.0 (e.g. which process serves it). */
  onInstalled?: (t: Tap, installed: Installed) => void | Promise<void>;
}

interface Answer {
  status: number;
  version?: string;
  /** The error code or message of a failed call. */
  error?: string;
}

/** Keeps calling the plugin until stopped; records every answer. */
function loadLoop(url: string, workers: number) {
  const answers: Answer[] = [];
  let running = true;
  const worker = async (id: number) => {
    for (let i = 0; running; i++) {
      try {
        const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: `call ${id}-${i}` }) });
        const body = (await res.json()) as { version?: string; code?: string; message?: string };
        answers.push(res.status === 200 ? { status: 200, version: body.version } : { status: res.status, error: `${body.code}: ${body.message}` });
      } catch (err) {
        answers.push({ status: 0, error: String(err) });
      }
    }
  };
  const all = Promise.all(Array.from({ length: workers }, (_, id) => worker(id)));
  return {
    answers,
    async stop() {
      running = false;
      await all;
      return answers;
    },
  };
}

async function vectorize(url: string, name: string) {
  const res = await fetch(`${url}/plugins/${name}/vectorize`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ text: 'hello modgate' }),
  });
  return { status: res.status, body: (await res.json()) as { vector?: number[]; version?: string } };
}

export async function endToEnd(t: Tap, PLUGINS: E2EPlugin[]): Promise<void> {
  const work = await tempDir(t, 'modgate-e2e-');
  const registry = path.join(work, 'registry');
  const run = (args: string[], env: NodeJS.ProcessEnv = {}) => cliProcess(args, { cwd: work, env });
  const names = PLUGINS.map((p) => p.name);
  const ok = (run: CliRun, what: string): CliRun => {
    t.equal(run.code, 0, `${what} exits 0${run.code === 0 ? '' : `\nstdout: ${run.stdout}\nstderr: ${run.stderr}`}`);
    return run;
  };

  const { keyId } = ok(await run(['keygen', '--out', 'publisher', '--json']), 'keygen').json<{ keyId: string }>();
  t.match(keyId, /^[0-9a-f]{16}$/);

  // Author each plugin (in parallel): init, validate, pack twice, sign.
  await Promise.all(
    PLUGINS.map(async ({ name, runtime, lang }) => {
      ok(await run(['plugin', 'init', name, '--type', 'vectorizer', '--runtime', runtime, ...(lang ? ['--lang', lang] : [])]), `init ${name}`);
      t.match(ok(await run(['plugin', 'validate', name]), `validate ${name}`).stdout, `valid ${runtime} vectorizer ${name}@0.1.0`);
      const [first, second] = await Promise.all([
        run(['plugin', 'pack', name, '--out', `${name}.tgz`, '--json']),
        run(['plugin', 'pack', name, '--out', `${name}-again.tgz`, '--json']),
      ]);
      ok(first, `pack ${name}`);
      ok(second, `pack ${name} again`);
      t.equal(first.json<{ sha256: string }>().sha256, second.json<{ sha256: string }>().sha256, `${name}: same sha256`);
      const [a, b] = await Promise.all([readFile(path.join(work, `${name}.tgz`)), readFile(path.join(work, `${name}-again.tgz`))]);
      t.ok(a.equals(b), `${name}: identical bytes`);
      ok(await run(['plugin', 'sign', `${name}.tgz`, '--key', 'publisher.key']), `sign ${name}`);
    }),
  );
  ok(await run(['plugin', 'publish', ...names.map((n) => `${n}.tgz`), '--registry', registry]), 'publish');

  // `registry build` rebuilds the very same index from the bundles.
  const published = await readFile(path.join(registry, 'index.json'), 'utf8');
  ok(await run(['registry', 'build', registry]), 'registry build');
  t.equal(await readFile(path.join(registry, 'index.json'), 'utf8'), published, 'registry build reproduces the index');

  const market = await listeningGateway(t, { registryDir: registry });
  const target = await listeningGateway(t, { allowNativeUploads: true, drainTimeoutMs: 10_000 });
  const env = {
    MODGATE_REGISTRY: `${market.url}/registry`,
    MODGATE_GATEWAY: target.url,
    MODGATE_ADMIN_TOKEN: ADMIN_TOKEN,
    MODGATE_TRUSTED_KEYS: path.join(work, 'publisher.pub'),
  };

  const search = ok(await run(['plugin', 'search', 'e2e', '--json'], env), 'search');
  t.strictSame(search.json<{ plugins: Array<{ name: string }> }>().plugins.map((p) => p.name).sort(), [...names].sort());

  await Promise.all(
    PLUGINS.map(async ({ name, onInstalled }) => {
      const install = ok(await run(['plugin', 'install', name, '--json'], env), `install ${name}`);
      t.match(install.json(), { installed: { name, version: '0.1.0', signature: 'valid', keyId } });
      const answer = await vectorize(target.url, name);
      t.equal(answer.status, 200, `${name} answers`);
      t.equal(answer.body.vector?.length, 64, `${name} gives 64 dimensions`);
      t.equal(answer.body.version, '0.1.0');
      if (onInstalled) {
        const detail = (await (await fetch(`${target.url}/plugins/${name}`)).json()) as Installed['detail'];
        await onInstalled(t, { detail, vector: answer.body.vector ?? [] });
      }
    }),
  );

  // A new version of each (0.1.1: the default update range is ^installed): edit, pack, sign,
  // publish. Only the manifest changes, which spares a second compile (asc takes seconds).
  await Promise.all(
    names.map(async (name) => {
      const manifestFile = path.join(work, name, 'plugin.yaml');
      await writeFile(manifestFile, (await readFile(manifestFile, 'utf8')).replace(/^  version: 0\.1\.0$/m, '  version: 0.1.1'));
      ok(await run(['plugin', 'pack', name, '--out', `${name}-2.tgz`]), `pack ${name} 0.1.1`);
      ok(await run(['plugin', 'sign', `${name}-2.tgz`, '--key', 'publisher.key']), `sign ${name} 0.1.1`);
    }),
  );
  ok(await run(['plugin', 'publish', ...names.map((n) => `${n}-2.tgz`), '--registry', registry]), 'publish 0.1.1');

  const list = ok(await run(['plugin', 'list'], env), 'list');
  for (const name of names) t.match(list.stdout, new RegExp(`${name}\\s+0\\.1\\.0\\s+vectorizer\\s+\\S+\\s+ready\\s+0\\.1\\.1`));

  // Update every plugin while calls keep flowing: none may fail.
  const loops = names.map((name) => loadLoop(`${target.url}/plugins/${name}/vectorize`, 2));
  const update = ok(await run(['plugin', 'update', '--json'], env), 'update');
  // Keep calling a little after the swap so the new version is seen answering.
  await new Promise((resolve) => setTimeout(resolve, 300));
  for (const [i, name] of names.entries()) {
    const answers = await loops[i].stop();
    const failed = answers.filter((a) => a.status !== 200);
    t.strictSame(failed.slice(0, 3), [], `${name}: zero failed calls during the update (${failed.length} of ${answers.length} failed)`);
    t.ok(answers.some((a) => a.version === '0.1.0'), `${name}: calls were served by 0.1.0`);
    t.equal(answers[answers.length - 1].version, '0.1.1', `${name}: and then by 0.1.1`);
  }
  const updates = update.json<{ updates: Array<{ status: string; name: string; version: string; previous: string }> }>().updates;
  t.strictSame(updates.map((u) => [u.name, u.status, u.previous, u.version]).sort(), names.map((name) => [name, 'updated', '0.1.0', '0.1.1']).sort());
  for (const name of names) {
    const detail = (await (await fetch(`${target.url}/plugins/${name}`)).json()) as { version: string; state: string };
    t.match(detail, { version: '0.1.1', state: 'ready' }, `${name} now runs 0.1.1`);
  }

  await Promise.all(
    names.map(async (name) => {
      ok(await run(['plugin', 'remove', name], env), `remove ${name}`);
      t.equal((await fetch(`${target.url}/plugins/${name}`)).status, 404, `${name} is gone`);
    }),
  );
}
