// The two servers the benchmark drives: the built gateway with every bundled plugin (plus the
// bench fixtures), and the baseline. Each runs as its own process.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { freePort, memoryOf, startServer, type ServerProcess } from './processes.js';

export const REPO = resolve(import.meta.dirname, '..');
export const PLUGINS = join(REPO, 'plugins');
export const FIXTURES = join(REPO, 'bench', 'fixtures');
export const GATEWAY_MAIN = join(REPO, 'dist', 'src', 'cli', 'main.js');
export const ADMIN_TOKEN = 'bench-admin-token';

/** tsc and the bundled plugins' builds, as `npm run build` does. */
export function build(): void {
  console.log('building the gateway (tsc) and the bundled plugins ...');
  const tsc = spawnSync(process.execPath, [join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], {
    cwd: REPO,
    stdio: 'inherit',
  });
  // tsc still writes JavaScript when it reports type errors; benchmark what was written.
  if (tsc.status !== 0) console.warn('warning: tsc reported errors; benchmarking the JavaScript it emitted');
  if (!existsSync(GATEWAY_MAIN)) throw new Error(`${GATEWAY_MAIN} was not built`);
  const plugins = spawnSync(process.execPath, ['scripts/build-plugins.mjs'], { cwd: REPO, stdio: 'inherit' });
  if (plugins.status !== 0) console.warn('warning: a plugin build failed; its cases will fail to load');
}

/** The node options `npm start` gives the gateway (package.json scripts.start), so the benchmark runs the same process. */
export function startNodeOptions(): string[] {
  const scripts = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  const words = scripts.start.split(/\s+/);
  const main = words.indexOf('dist/src/cli/main.js');
  if (words[0] !== 'node' || main < 0) throw new Error(`package.json scripts.start is not "node [options] dist/src/cli/main.js serve": ${scripts.start}`);
  return words.slice(1, main);
}

/** `node dist/src/cli/main.js serve` with npm start's node options, on a free loopback port. */
export async function startGateway(dataDir: string, profileDir?: string): Promise<ServerProcess> {
  const port = await freePort();
  const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  return startServer({
    name: 'gateway',
    command: process.execPath,
    args: [...startNodeOptions(), ...profile, GATEWAY_MAIN, 'serve'],
    cwd: REPO,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      MODGATE_PLUGINS_DIR: `${PLUGINS}:${FIXTURES}`,
      MODGATE_DATA_DIR: dataDir,
      MODGATE_ADMIN_TOKEN: ADMIN_TOKEN,
      LOG_LEVEL: 'warn',
    },
    port,
    readyPath: '/health/ready',
  });
}

export async function startBaseline(): Promise<ServerProcess> {
  const port = await freePort();
  return startServer({
    name: 'baseline',
    command: process.execPath,
    args: ['--import', 'tsx', join(REPO, 'bench', 'baseline-server.ts'), String(port)],
    cwd: REPO,
    env: { ...process.env, NODE_ENV: 'production' },
    port,
    readyPath: '/health/ready',
  });
}

export interface PluginView {
  name: string;
  state: string;
  failure?: string;
}

export async function pluginStates(gateway: ServerProcess): Promise<PluginView[]> {
  const response = await fetch(`${gateway.url}/plugins`);
  return ((await response.json()) as { plugins: PluginView[] }).plugins;
}

/** The plugin's time cap (resources.timeout) as the gateway applies it. */
export async function pluginTimeoutMs(gateway: ServerProcess, plugin: string): Promise<number | undefined> {
  const response = await fetch(`${gateway.url}/plugins/${encodeURIComponent(plugin)}`);
  if (response.status !== 200) return undefined;
  return ((await response.json()) as { limits?: { timeoutMs?: number } }).limits?.timeoutMs;
}

/** Highest RSS of a process, sampled every 250 ms (and from the kernel's own high-water mark). */
export class PeakTracker {
  peak = 0;
  private readonly timer: NodeJS.Timeout;
  constructor(private readonly pid: number) {
    this.timer = setInterval(() => this.sample(), 250);
  }
  sample(): void {
    const memory = memoryOf(this.pid);
    if (memory) this.peak = Math.max(this.peak, memory.peak, memory.rss);
  }
  stop(): void {
    clearInterval(this.timer);
    this.sample();
  }
}
