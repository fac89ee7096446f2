// Starting one plugin process and waiting for its handshake line; stopping it again.
// The process runs in the plugin folder with a minimal environment, a fresh private socket
// folder, stdin kept open as a pipe (so it can exit when the gateway goes away) and its
// stdout/stderr lines in the gateway log. It leads a process group of its own, and signals
// go to the whole group: a `run` script that starts the real server without `exec` (or a
// server with helper processes) leaves nothing behind when it is stopped or killed.
// Nothing here knows about gRPC calls.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import type { PluginLogger } from '../../core/types.js';
import { ModgateError, messageOf } from '../../errors.js';
import { childEnv } from './child-env.js';
import { HandshakeError, parseHandshake, type Handshake } from './handshake.js';
import { findPrlimit, withMemoryLimit } from './memory-limit.js';
import { logOutputLine } from './output-log.js';
import { PLUGIN_PROTOCOL_VERSION } from './protocol.js';

export interface LaunchRequest {
  pluginName: string;
  /** The plugin folder: the working directory. */
  dir: string;
  /** Absolute path of the executable (already checked to be inside `dir`). */
  binary: string;
  args: string[];
  /** Address-space limit (resources.memory) when the manifest sets one. */
  memoryBytes?: number;
  /** The plugin's private writable folder (HOME). */
  dataDir: string;
  startTimeoutMs: number;
  signal?: AbortSignal;
  log: PluginLogger;
  /** Where PATH and the locale come from (default: the gateway's environment). */
  parentEnv?: NodeJS.ProcessEnv;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface LaunchedProcess {
  readonly pid: number;
  readonly handshake: Handshake;
  readonly socketDir: string;
  /** Resolves when the process has exited (and its socket folder is removed). */
  readonly exited: Promise<ExitInfo>;
  readonly hasExited: boolean;
  /** SIGTERM, then SIGKILL after `graceMs` (to its process group); resolves once the process is gone. */
  stop(graceMs: number): Promise<ExitInfo>;
  /** SIGKILL its process group now (a hung process). */
  kill(): void;
}

/** Stderr lines kept to explain a process that dies before its handshake. */
const STDERR_TAIL = 12;

export function describeExit(exit: ExitInfo): string {
  return exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
}

export async function launch(request: LaunchRequest): Promise<LaunchedProcess> {
  const { pluginName, log } = request;
  const socketDir = await mkdtemp(join(tmpdir(), 'modgate-grpc-'));
  const command = withMemoryLimit({ file: request.binary, args: request.args }, request.memoryBytes, findPrlimit(request.parentEnv?.PATH));
  const binaryName = `./${relative(request.dir, request.binary)}`;

  let child: ChildProcess;
  try {
    child = spawn(command.file, command.args, {
      cwd: request.dir,
      env: childEnv({ pluginName, socketDir, home: request.dataDir, parent: request.parentEnv }),
      stdio: ['pipe', 'pipe', 'pipe'],
      // Its own process group (setsid), so a signal reaches the processes it starts too.
      detached: true,
    });
  } catch (err) {
    await rm(socketDir, { recursive: true, force: true });
    throw startFailure(pluginName, `cannot start ${binaryName}: ${messageOf(err)}`);
  }
  // Never written to; it only has to stay open. Ignore EPIPE when the child is gone.
  child.stdin?.on('error', () => undefined);

  const pid = child.pid;
  let groupKilled = false;
  /** Signals the process group; the process alone if the group is gone (or never was). */
  const signalGroup = (signal: NodeJS.Signals): boolean => {
    if (pid === undefined) return false;
    if (signal === 'SIGKILL') groupKilled = true;
    try {
      process.kill(-pid, signal);
      return true;
    } catch {
      return child.kill(signal);
    }
  };

  let exitInfo: ExitInfo | undefined;
  const exited = new Promise<ExitInfo>((resolve) => {
    const done = (info: ExitInfo) => {
      if (exitInfo) return;
      exitInfo = info;
      // Whatever the process started and left behind in its group ends with it.
      if (pid !== undefined && killGroup(pid) && !groupKilled) log.warn(`process ${pid} left processes behind in its group; killed them`);
      // The folder only ever holds the plugin's socket; a crashed plugin leaves it behind.
      void rm(socketDir, { recursive: true, force: true }).finally(() => resolve(info));
    };
    child.once('exit', (code, signal) => done({ code, signal }));
    // A process that could not be spawned at all never emits 'exit'.
    child.once('error', () => {
      if (child.pid === undefined) done({ code: null, signal: null });
    });
  });
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));

  const stderrTail: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => {
    stderrTail.push(line);
    if (stderrTail.length > STDERR_TAIL) stderrTail.shift();
    logOutputLine(log, 'stderr', line);
  });

  let onHandshake: (h: Handshake) => void = () => undefined;
  let onBadHandshake: (e: HandshakeError) => void = () => undefined;
  let handshake: Handshake | undefined;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (handshake) return logOutputLine(log, 'stdout', line);
    let parsed: Handshake | null;
    try {
      parsed = parseHandshake(line, [PLUGIN_PROTOCOL_VERSION]);
    } catch (err) {
      onBadHandshake(err as HandshakeError);
      return;
    }
    if (parsed) {
      handshake = parsed;
      onHandshake(parsed);
    } else logOutputLine(log, 'stdout', line);
  });

  const kill = () => {
    if (!exitInfo) signalGroup('SIGKILL');
  };
  const stop = async (graceMs: number): Promise<ExitInfo> => {
    if (exitInfo) return exited;
    signalGroup('SIGTERM');
    const timer = setTimeout(() => {
      if (exitInfo) return;
      log.warn(`process ${pid} did not exit within ${graceMs} ms of SIGTERM; sending SIGKILL`);
      kill();
    }, graceMs);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  };
  const withStderr = (message: string) =>
    stderrTail.length > 0 ? `${message}; its last stderr lines: ${stderrTail.slice(-5).join(' | ')}` : message;

  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  try {
    const ready = await new Promise<Handshake>((resolve, reject) => {
      onHandshake = resolve;
      onBadHandshake = (err) => reject(startFailure(pluginName, `${binaryName} printed a bad handshake: ${err.message}`));
      void spawnError.then((err) => reject(startFailure(pluginName, `cannot start ${binaryName}: ${messageOf(err)}${hintFor(err)}`)));
      void exited.then((exit) =>
        // Let the last stderr lines arrive before quoting them.
        setImmediate(() => reject(startFailure(pluginName, withStderr(`${binaryName} ${describeExit(exit)} before its handshake`)))),
      );
      timer = setTimeout(() => {
        reject(
          startFailure(
            pluginName,
            withStderr(
              `${binaryName} did not print its handshake line within ${request.startTimeoutMs} ms (expected "1|1|unix|/path/to.sock|grpc" on stdout; is it built with a modgate SDK?)`,
            ),
          ),
        );
      }, request.startTimeoutMs);
      const signal = request.signal;
      if (signal) {
        onAbort = () => reject(signal.reason instanceof Error ? signal.reason : startFailure(pluginName, 'start cancelled'));
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
      }
    });
    return {
      pid: pid!,
      handshake: ready,
      socketDir,
      exited,
      get hasExited() {
        return exitInfo !== undefined;
      },
      stop,
      kill,
    };
  } catch (err) {
    kill();
    await exited;
    throw err;
  } finally {
    clearTimeout(timer);
    if (onAbort) request.signal?.removeEventListener('abort', onAbort);
  }
}

/** SIGKILLs process group `pgid` (each plugin process leads its own); true when something was there. */
export function killGroup(pgid: number): boolean {
  try {
    process.kill(-pgid, 'SIGKILL');
    return true;
  } catch {
    return false; // ESRCH: nothing left
  }
}

function startFailure(plugin: string, message: string): ModgateError {
  return new ModgateError('MODGATE_PLUGIN_LOAD_FAILED', `plugin "${plugin}": ${message}`);
}

function hintFor(err: Error): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EACCES') return ' (is it executable? chmod +x it)';
  if (code === 'ENOENT') return ' (the file or its interpreter from the #! line was not found)';
  return '';
}
