// Server processes for the benchmark (the gateway and the baseline), each in its own process so
// the load generator never shares their event loop and RSS is the server's own.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';

export interface ServerProcess {
  name: string;
  url: string;
  pid: number;
  /** Stops the process (SIGTERM, then SIGKILL after 10 s) and waits for it to exit. */
  stop(): Promise<void>;
  /** The last lines it wrote to stderr/stdout, for error messages. */
  output(): string;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface StartOptions {
  name: string;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  port: number;
  /** GET this path until it answers 200. */
  readyPath: string;
  readyTimeoutMs?: number;
  cwd?: string;
}

export async function startServer(options: StartOptions): Promise<ServerProcess> {
  const child = spawn(options.command, options.args, { env: options.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    if (lines.length > 200) lines.splice(0, lines.length - 200);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${options.port}`;
  const output = () => lines.slice(-30).join('\n');
  const server: ServerProcess = { name: options.name, url, pid: child.pid!, stop: () => stopChild(child, exited), output };
  const deadline = Date.now() + (options.readyTimeoutMs ?? 120_000);
  let gone = false;
  void exited.then(() => (gone = true));
  while (Date.now() < deadline) {
    if (gone) throw new Error(`${options.name} exited before it was ready:\n${output()}`);
    const ready = await fetch(`${url}${options.readyPath}`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) return server;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await server.stop();
  throw new Error(`${options.name} was not ready within ${options.readyTimeoutMs ?? 120_000} ms:\n${output()}`);
}

async function stopChild(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

export interface Memory {
  /** Resident set size now, bytes. */
  rss: number;
  /** Highest resident set size since the process started, bytes. */
  peak: number;
}

/** RSS of one process from /proc (Linux); undefined elsewhere or once it has exited. */
export function memoryOf(pid: number): Memory | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    return { rss: kib('VmRSS'), peak: kib('VmHWM') };
  } catch {
    return undefined;
  }
}

/** Every descendant of a process (e.g. the gRPC plugin processes the gateway started). */
export function descendantsOf(pid: number): number[] {
  const children: number[] = [];
  try {
    for (const task of readdirTasks(pid)) {
      const list = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      if (list) children.push(...list.split(/\s+/).map(Number));
    }
  } catch {
    return [];
  }
  return children.flatMap((child) => [child, ...descendantsOf(child)]);
}

function readdirTasks(pid: number): string[] {
  try {
    return readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
}

let clockTicks: number | undefined;

/** Clock ticks per second of /proc/<pid>/stat times (getconf CLK_TCK; 100 on Linux). */
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    const out = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
    clockTicks = Number(out.stdout?.trim()) || 100;
  }
  return clockTicks;
}

function ownCpuTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start after the last ")".
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime, stime, and cutime, cstime: the children it has reaped, so a plugin process that
    // exits during a slice (a restart, a reload) keeps its CPU in the total.
    return Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
  } catch {
    return undefined;
  }
}

/** User + system CPU seconds of a process, its live descendants and the ones it reaped; undefined without /proc. */
export function cpuSecondsOf(pid: number): number | undefined {
  const own = ownCpuTicks(pid);
  if (own === undefined) return undefined;
  const children = descendantsOf(pid).reduce((n, child) => n + (ownCpuTicks(child) ?? 0), 0);
  return (own + children) / ticksPerSecond();
}

/**
 * Waits until a server (and its children) is nearly idle: work left over from the previous
 * slice (answers to requests the load generator gave up on, a plugin still computing a
 * cancelled call) must not be billed to the next runtime. Gives up after `maxMs`.
 */
export async function settle(pid: number, maxMs = 3000): Promise<void> {
  const windowMs = 100;
  const deadline = Date.now() + maxMs;
  let before = cpuSecondsOf(pid);
  if (before === undefined) return;
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    const now = cpuSecondsOf(pid);
    if (now === undefined) return;
    // Under 10% of one core over the window.
    if (now - before < (windowMs / 1000) * 0.1) return;
    before = now;
  }
}
