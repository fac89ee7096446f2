// Builds a gateway app for tests: temporary data dir, chosen plugin folders, logs captured.
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import type { Config } from '../../src/config.js';
import { captureLog } from './log-capture.js';

export const REPO_ROOT = resolve(import.meta.dirname, '..', '..');
export const BUNDLED_PLUGINS = join(REPO_ROOT, 'plugins');
export const FIXTURES = join(REPO_ROOT, 'test', 'fixtures');
export const ADMIN_TOKEN = 'test-admin-token-0123456789';

export interface TestApp {
  app: FastifyInstance;
  dataDir: string;
  /** Every log line written so far (raw JSON lines). */
  logs(): string;
  close(): Promise<void>;
}

export interface Teardown {
  teardown(fn: () => unknown): void;
}

export async function buildTestApp(t: Teardown, config: Partial<Config> = {}): Promise<TestApp> {
  const dataDir = config.dataDir ?? (await mkdtemp(join(tmpdir(), 'modgate-test-')));
  const log = captureLog();
  const app = await buildApp({
    env: {},
    config: { logLevel: 'info', pluginsDirs: [], adminToken: ADMIN_TOKEN, ...config, dataDir },
    logStream: log.stream,
  });
  await app.ready();
  await app.gateway.started;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await app.close();
    if (config.dataDir === undefined) await rm(dataDir, { recursive: true, force: true });
  };
  t.teardown(close);
  return { app, dataDir, logs: log.text, close };
}

export const adminHeaders = { authorization: `Bearer ${ADMIN_TOKEN}` };

/** A temporary plugins folder holding links to the named bundled plugins only. */
export async function bundledSubset(t: Teardown, names: string[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'modgate-plugins-'));
  for (const name of names) await symlink(join(BUNDLED_PLUGINS, name), join(dir, name), 'dir');
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}
