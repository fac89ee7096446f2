// The only functions a WASM plugin can call: mg.log and a deny-by-default
// wasi_snapshot_preview1. stdout/stderr go to the plugin's log, clocks and random work,
// proc_exit ends the call with an error; files, sockets, args and environment do not exist
// (fd calls answer EBADF, everything else ENOSYS). Runs inside a pool worker.
import { getRandomValues } from 'node:crypto';
import { LOG_LEVELS, MG_IMPORT_MODULE, WASI_MODULE, type LogLevel } from './abi.js';

export const ERRNO = { SUCCESS: 0, BADF: 8, FAULT: 21, INVAL: 28, NOSYS: 52 } as const;

/** Longest log line kept (bytes of UTF-8); longer lines are cut with a marker. */
export const MAX_LOG_LINE = 4096;
/** Log lines a plugin may write per call; the rest are counted and reported once. */
export const MAX_LOG_LINES_PER_CALL = 100;

/** Thrown by proc_exit to unwind the module; the call then fails with this code. */
export class ProcExit extends Error {
  constructor(readonly exitCode: number) {
    super(`the plugin called proc_exit(${exitCode})`);
    this.name = 'ProcExit';
  }
}

export type LogSink = (level: LogLevel, message: string) => void;

const decoder = new TextDecoder('utf-8', { fatal: false });

/**
 * The host side of one instance: its memory (known only after instantiation for an exported
 * memory), its log with a per-call budget, and line buffers for stdout/stderr.
 */
export class HostContext {
  memory: WebAssembly.Memory | undefined;
  private linesThisCall = 0;
  private dropped = 0;
  private readonly streams = new Map<number, number[]>();

  constructor(private readonly sink: LogSink) {}

  /** Resets the per-call log budget. */
  beginCall(): void {
    this.linesThisCall = 0;
    this.dropped = 0;
  }

  /** Flushes partial stdout/stderr lines and reports lines dropped over the budget. */
  endCall(): void {
    for (const fd of [...this.streams.keys()]) this.flushStream(fd);
    if (this.dropped > 0) this.sink('warn', `${this.dropped} more log line(s) dropped (limit ${MAX_LOG_LINES_PER_CALL} per call)`);
    this.dropped = 0;
  }

  log(level: LogLevel, message: string): void {
    if (this.linesThisCall >= MAX_LOG_LINES_PER_CALL) {
      this.dropped++;
      return;
    }
    this.linesThisCall++;
    this.sink(level, message);
  }

  /** A view of [ptr, ptr+len) in the current memory, or undefined when it is out of bounds. */
  view(ptr: number, len: number): Uint8Array | undefined {
    const buffer = this.memory?.buffer;
    if (buffer === undefined) return undefined;
    const start = ptr >>> 0;
    const length = len >>> 0;
    if (start + length > buffer.byteLength) return undefined;
    return new Uint8Array(buffer, start, length);
  }

  dataView(): DataView | undefined {
    const buffer = this.memory?.buffer;
    return buffer === undefined ? undefined : new DataView(buffer);
  }

  text(bytes: Uint8Array): string {
    if (bytes.length <= MAX_LOG_LINE) return decoder.decode(bytes);
    return `${decoder.decode(bytes.subarray(0, MAX_LOG_LINE))}… (${bytes.length - MAX_LOG_LINE} more bytes cut)`;
  }

  /** Appends stdout/stderr bytes and logs every complete line. */
  write(fd: number, bytes: Uint8Array): void {
    let line = this.streams.get(fd) ?? [];
    for (const byte of bytes) {
      if (byte === 0x0a) {
        this.emitLine(fd, line);
        line = [];
      } else if (line.length < MAX_LOG_LINE) line.push(byte);
    }
    this.streams.set(fd, line);
  }

  private flushStream(fd: number): void {
    const line = this.streams.get(fd);
    this.streams.delete(fd);
    if (line && line.length > 0) this.emitLine(fd, line);
  }

  private emitLine(fd: number, line: number[]): void {
    this.log(fd === 2 ? 'warn' : 'info', this.text(Uint8Array.from(line)));
  }
}

function mgLog(host: HostContext) {
  return (level: number, ptr: number, len: number): void => {
    const bytes = host.view(ptr, len);
    const name = LOG_LEVELS[level] ?? 'info';
    if (bytes === undefined) {
      host.log('warn', `mg.log called with (ptr=${ptr >>> 0}, len=${len >>> 0}) outside the module's memory`);
      return;
    }
    host.log(name, host.text(bytes));
  };
}

type WasiFunction = (...args: Array<number | bigint>) => number | void;

const CLOCK_REALTIME = 0;
const CLOCK_MONOTONIC = 1;
const CLOCK_PROCESS_CPUTIME = 2;
const CLOCK_THREAD_CPUTIME = 3;

function nowNanoseconds(clock: number): bigint | undefined {
  switch (clock) {
    case CLOCK_REALTIME:
      return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6));
    case CLOCK_MONOTONIC:
    case CLOCK_PROCESS_CPUTIME:
    case CLOCK_THREAD_CPUTIME:
      return process.hrtime.bigint();
    default:
      return undefined;
  }
}

function wasiFunctions(host: HostContext): Record<string, WasiFunction> {
  const writeU32s = (values: Array<[number, number]>): number => {
    const view = host.dataView();
    for (const [ptr] of values) if (!view || (ptr >>> 0) + 4 > view.byteLength) return ERRNO.FAULT;
    for (const [ptr, value] of values) view!.setUint32(ptr >>> 0, value, true);
    return ERRNO.SUCCESS;
  };
  const zeroSizes = (countPtr: number | bigint, sizePtr: number | bigint) =>
    writeU32s([
      [Number(countPtr), 0],
      [Number(sizePtr), 0],
    ]);
  return {
    fd_write(fd, iovs, iovsLen, nwrittenPtr) {
      if (fd !== 1 && fd !== 2) return ERRNO.BADF;
      const view = host.dataView();
      if (!view) return ERRNO.FAULT;
      let written = 0;
      for (let i = 0; i < Number(iovsLen); i++) {
        const at = (Number(iovs) >>> 0) + i * 8;
        if (at + 8 > view.byteLength) return ERRNO.FAULT;
        const bytes = host.view(view.getUint32(at, true), view.getUint32(at + 4, true));
        if (bytes === undefined) return ERRNO.FAULT;
        host.write(Number(fd), bytes);
        written += bytes.length;
      }
      return writeU32s([[Number(nwrittenPtr), written]]);
    },
    clock_time_get(clock, _precision, timePtr) {
      const now = nowNanoseconds(Number(clock));
      if (now === undefined) return ERRNO.INVAL;
      const view = host.dataView();
      const at = Number(timePtr) >>> 0;
      if (!view || at + 8 > view.byteLength) return ERRNO.FAULT;
      view.setBigUint64(at, now, true);
      return ERRNO.SUCCESS;
    },
    clock_res_get(clock, resolutionPtr) {
      if (nowNanoseconds(Number(clock)) === undefined) return ERRNO.INVAL;
      const view = host.dataView();
      const at = Number(resolutionPtr) >>> 0;
      if (!view || at + 8 > view.byteLength) return ERRNO.FAULT;
      view.setBigUint64(at, 1000n, true);
      return ERRNO.SUCCESS;
    },
    random_get(bufPtr, bufLen) {
      const bytes = host.view(Number(bufPtr), Number(bufLen));
      if (bytes === undefined) return ERRNO.FAULT;
      for (let offset = 0; offset < bytes.length; offset += 65_536) {
        getRandomValues(bytes.subarray(offset, Math.min(bytes.length, offset + 65_536)));
      }
      return ERRNO.SUCCESS;
    },
    proc_exit(code) {
      throw new ProcExit(Number(code));
    },
    args_sizes_get: (countPtr, sizePtr) => zeroSizes(countPtr, sizePtr),
    environ_sizes_get: (countPtr, sizePtr) => zeroSizes(countPtr, sizePtr),
    args_get: () => ERRNO.SUCCESS,
    environ_get: () => ERRNO.SUCCESS,
  };
}

/** What a WASI call the sandbox does not offer answers: EBADF for fd_* (no files exist), else ENOSYS. */
export function deniedErrno(name: string): number {
  return name.startsWith('fd_') ? ERRNO.BADF : ERRNO.NOSYS;
}

/**
 * The import object for one instance: mg.log, the WASI functions the module asks for (known
 * ones work, the rest are denied), and the capped host memory when the module imports one.
 */
export function buildImports(module: WebAssembly.Module, host: HostContext, importedMemory?: WebAssembly.Memory): WebAssembly.Imports {
  const imports: Record<string, Record<string, WebAssembly.ImportValue>> = {};
  const provide = (moduleName: string, name: string, value: WebAssembly.ImportValue) => {
    imports[moduleName] ??= {};
    imports[moduleName][name] = value;
  };
  const wasi = wasiFunctions(host);
  for (const entry of WebAssembly.Module.imports(module)) {
    if (entry.kind === 'memory' && importedMemory) provide(entry.module, entry.name, importedMemory);
    else if (entry.kind === 'function' && entry.module === MG_IMPORT_MODULE && entry.name === 'log') provide(entry.module, entry.name, mgLog(host));
    else if (entry.kind === 'function' && entry.module === WASI_MODULE) {
      const errno = deniedErrno(entry.name);
      provide(entry.module, entry.name, Object.hasOwn(wasi, entry.name) ? wasi[entry.name] : () => errno);
    }
  }
  return imports;
}
