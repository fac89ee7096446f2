// One instantiated WASM plugin inside a pool worker and the host side of every ABI call:
// copy input in through mg_alloc, call mg_<op>, bounds-check the (ptr, len) it returns, copy
// the output out, mg_free both. Every failure becomes a WasmCallError carrying the error
// code the caller sees and whether the instance must be thrown away (after a trap).
import type { ErrorCode } from '../../errors.js';
import { ABI_VERSION, unpack } from './abi.js';
import { WASM_PAGE_BYTES, formatBytes } from './binary.js';
import { HostContext, ProcExit, buildImports, type LogSink } from './host-imports.js';

/** What a worker needs to instantiate a module: everything here is structured-cloneable. */
export interface ModuleRef {
  /** Unique per loaded version: the worker's instance cache key. */
  id: string;
  /** The plugin's name, for messages. */
  plugin: string;
  module: WebAssembly.Module;
  /** The memory after the cap; for an imported memory the host creates it with these limits. */
  memory: { imported: boolean; module?: string; name?: string; initialPages: number; maximumPages: number };
  /** The resolved config, handed to mg_init as JSON. */
  config: Record<string, unknown>;
}

/** Largest vector an instance may declare (mg_dimensions). */
export const MAX_DIMENSIONS = 65_536;
/** Longest mg_last_error message kept, in characters. */
const MAX_ERROR_MESSAGE = 2000;

export class WasmCallError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** The instance is in an unknown state (it trapped, exited or ran out of memory): discard it. */
    readonly discard: boolean,
  ) {
    super(message);
    this.name = 'WasmCallError';
  }
}

type Exports = Record<string, unknown>;
type WasmFunction = (...args: number[]) => unknown;

const decoder = new TextDecoder('utf-8', { fatal: false });
const strictDecoder = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();

export class PluginInstance {
  private dims: number | undefined;
  private readonly exports: Exports;
  private readonly host: HostContext;
  private readonly memory: WebAssembly.Memory;
  private readonly maxBytes: number;

  private constructor(
    readonly ref: ModuleRef,
    instance: WebAssembly.Instance,
    host: HostContext,
    memory: WebAssembly.Memory,
  ) {
    this.exports = instance.exports as Exports;
    this.host = host;
    this.memory = memory;
    this.maxBytes = ref.memory.maximumPages * WASM_PAGE_BYTES;
  }

  /** What mg_dimensions() returned at initialisation (vectorizers). */
  get dimensions(): number | undefined {
    return this.dims;
  }

  /** Instantiates, runs _initialize, checks mg_abi_version, runs mg_init with the config. */
  static create(ref: ModuleRef, log: LogSink): PluginInstance {
    const host = new HostContext(log);
    const imported = ref.memory.imported
      ? new WebAssembly.Memory({ initial: ref.memory.initialPages, maximum: ref.memory.maximumPages })
      : undefined;
    host.beginCall();
    let instance: WebAssembly.Instance;
    try {
      instance = new WebAssembly.Instance(ref.module, buildImports(ref.module, host, imported));
    } catch (err) {
      throw callFailure(ref, 'instantiation', err, imported ?? host.memory);
    } finally {
      host.endCall();
    }
    const exported = (instance.exports as Exports).memory;
    const memory = imported ?? (exported instanceof WebAssembly.Memory ? exported : undefined);
    if (!memory) throw new WasmCallError('MODGATE_PLUGIN_LOAD_FAILED', `plugin "${ref.plugin}": the instance exports no memory`, true);
    host.memory = memory;
    const self = new PluginInstance(ref, instance, host, memory);
    host.beginCall();
    try {
      self.initialize();
    } finally {
      host.endCall();
    }
    return self;
  }

  private initialize(): void {
    if (typeof this.exports._initialize === 'function') this.invoke('_initialize', []);
    const version = this.invoke('mg_abi_version', []);
    if (version !== ABI_VERSION) {
      throw new WasmCallError(
        'MODGATE_PLUGIN_LOAD_FAILED',
        `plugin "${this.ref.plugin}": mg_abi_version() returned ${String(version)}; this gateway speaks ABI version ${ABI_VERSION}`,
        true,
      );
    }
    if (typeof this.exports.mg_init === 'function') {
      const status = this.withInput('mg_init', encoder.encode(JSON.stringify(this.ref.config)), (ptr, len) => this.invoke('mg_init', [ptr, len]));
      if (status !== 0) {
        throw new WasmCallError('MODGATE_PLUGIN_LOAD_FAILED', `plugin "${this.ref.plugin}": mg_init failed: ${this.lastError()}`, true);
      }
    }
    if (typeof this.exports.mg_dimensions === 'function') {
      const dims = this.invoke('mg_dimensions', []);
      if (typeof dims !== 'number' || !Number.isInteger(dims) || dims < 1 || dims > MAX_DIMENSIONS) {
        throw new WasmCallError('MODGATE_PLUGIN_LOAD_FAILED', `plugin "${this.ref.plugin}": mg_dimensions() returned ${String(dims)}; it must be 1 to ${MAX_DIMENSIONS}`, true);
      }
      this.dims = dims;
    }
  }

  has(name: string): boolean {
    return typeof this.exports[name] === 'function';
  }

  /** Memory in use now, in bytes. */
  get memoryBytes(): number {
    return this.memory.buffer.byteLength;
  }

  /** Calls mg_<op>(ptr, len) with input bytes and returns a copy of its output bytes. */
  callBytes(name: string, input: Uint8Array): Uint8Array {
    this.host.beginCall();
    try {
      const packed = this.withInput(name, input, (ptr, len) => this.invoke(name, [ptr, len]));
      return this.takeOutput(name, packed);
    } finally {
      this.host.endCall();
    }
  }

  /** Calls mg_<op> with JSON in and JSON out. */
  callJson(name: string, input: unknown): unknown {
    const output = this.callBytes(name, encoder.encode(JSON.stringify(input)));
    let text: string;
    try {
      text = strictDecoder.decode(output);
    } catch {
      throw this.badOutput(`${name} returned ${output.length} bytes that are not valid UTF-8`);
    }
    try {
      return JSON.parse(text);
    } catch (err) {
      throw this.badOutput(`${name} returned invalid JSON (${(err as Error).message}): ${preview(text)}`);
    }
  }

  badOutput(detail: string): WasmCallError {
    return new WasmCallError('MODGATE_PLUGIN_BAD_OUTPUT', `plugin "${this.ref.plugin}" returned invalid output: ${detail}`, false);
  }

  private withInput<R>(name: string, input: Uint8Array, run: (ptr: number, len: number) => R): R {
    const ptr = this.invoke('mg_alloc', [input.length]);
    if (typeof ptr !== 'number') throw this.badOutput(`mg_alloc returned ${typeof ptr}, not an i32`);
    const start = ptr >>> 0;
    if (input.length > 0) {
      if (start === 0) throw this.allocFailure(name, input.length);
      if (start + input.length > this.memory.buffer.byteLength) {
        throw this.badOutput(`mg_alloc(${input.length}) returned ${start}, past the end of its ${this.memory.buffer.byteLength}-byte memory`);
      }
      new Uint8Array(this.memory.buffer, start, input.length).set(input);
    }
    const result = run(start, input.length);
    if (start !== 0) this.invoke('mg_free', [start, input.length]);
    return result;
  }

  private allocFailure(name: string, size: number): WasmCallError {
    if (this.nearCap()) {
      return new WasmCallError(
        'MODGATE_PLUGIN_MEMORY_LIMIT',
        `plugin "${this.ref.plugin}" cannot take ${size} bytes of input for ${name}: it hit its memory cap of ${formatBytes(this.maxBytes)} (resources.memory)`,
        true,
      );
    }
    return new WasmCallError('MODGATE_PLUGIN_ERROR', `plugin "${this.ref.plugin}": mg_alloc(${size}) failed (returned 0)`, true);
  }

  private takeOutput(name: string, packed: unknown): Uint8Array {
    const out = unpack(packed);
    if (out === undefined) throw this.badOutput(`${name} returned ${typeof packed}, not an i64`);
    if (out.ptr === 0 && out.len === 0) {
      const message = this.lastError();
      if (this.nearCap()) throw this.memoryLimit(`${name} failed: ${message}`);
      throw new WasmCallError('MODGATE_PLUGIN_ERROR', `plugin "${this.ref.plugin}" failed in ${name}: ${message}`, false);
    }
    const size = this.memory.buffer.byteLength;
    if (out.ptr + out.len > size) {
      throw this.badOutput(`${name} returned (ptr=${out.ptr}, len=${out.len}), outside its ${size}-byte memory`);
    }
    const bytes = new Uint8Array(this.memory.buffer, out.ptr, out.len).slice();
    this.invoke('mg_free', [out.ptr, out.len]);
    return bytes;
  }

  /** The plugin's own message for the last failure (mg_last_error), or a note that it gave none. */
  private lastError(): string {
    if (typeof this.exports.mg_last_error !== 'function') return 'no message (the module has no mg_last_error)';
    const out = unpack(this.invoke('mg_last_error', []));
    if (out === undefined || (out.ptr === 0 && out.len === 0)) return 'no message (mg_last_error returned 0)';
    if (out.ptr + out.len > this.memory.buffer.byteLength) return `no message (mg_last_error returned (ptr=${out.ptr}, len=${out.len}) outside its memory)`;
    const text = decoder.decode(new Uint8Array(this.memory.buffer, out.ptr, Math.min(out.len, MAX_ERROR_MESSAGE * 4)));
    return text.length > MAX_ERROR_MESSAGE ? `${text.slice(0, MAX_ERROR_MESSAGE)}…` : text;
  }

  /** True when the memory cannot grow much more: a failure now is most likely a failed memory.grow. */
  private nearCap(): boolean {
    return nearMemoryCap(this.memory.buffer.byteLength, this.maxBytes);
  }

  private memoryLimit(detail: string): WasmCallError {
    return new WasmCallError(
      'MODGATE_PLUGIN_MEMORY_LIMIT',
      `plugin "${this.ref.plugin}" hit its memory cap of ${formatBytes(this.maxBytes)} (resources.memory): ${detail}`,
      true,
    );
  }

  private invoke(name: string, args: number[]): unknown {
    const fn = this.exports[name] as WasmFunction;
    try {
      return fn(...args);
    } catch (err) {
      throw callFailure(this.ref, name, err, this.memory);
    }
  }
}

/**
 * The cap is near when less than max(1 MiB, 1/8 of the cap) is left. A module whose
 * memory.grow fails usually traps (AssemblyScript, Rust) or reports an error right after,
 * and its memory then sits just under the cap, so a failure in that state is reported as
 * the memory cap rather than as a crash.
 */
export function nearMemoryCap(usedBytes: number, maxBytes: number): boolean {
  return maxBytes - usedBytes < Math.max(1024 * 1024, maxBytes / 8);
}

function callFailure(ref: ModuleRef, where: string, err: unknown, memory: WebAssembly.Memory | undefined): WasmCallError {
  if (err instanceof WasmCallError) return err;
  const plugin = `plugin "${ref.plugin}"`;
  if (err instanceof ProcExit) return new WasmCallError('MODGATE_PLUGIN_ERROR', `${plugin} ended ${where} with proc_exit(${err.exitCode})`, true);
  const message = err instanceof Error ? err.message : String(err);
  const maxBytes = ref.memory.maximumPages * WASM_PAGE_BYTES;
  if (err instanceof RangeError && /call stack/i.test(message)) {
    return new WasmCallError('MODGATE_PLUGIN_CRASHED', `${plugin} overflowed its stack in ${where} (too deep recursion)`, true);
  }
  const outOfMemory = err instanceof RangeError || /out of memory/i.test(message);
  if (outOfMemory || (memory !== undefined && nearMemoryCap(memory.buffer.byteLength, maxBytes))) {
    return new WasmCallError(
      'MODGATE_PLUGIN_MEMORY_LIMIT',
      `${plugin} hit its memory cap of ${formatBytes(maxBytes)} (resources.memory) in ${where}: ${message}`,
      true,
    );
  }
  if (err instanceof WebAssembly.RuntimeError) return new WasmCallError('MODGATE_PLUGIN_CRASHED', `${plugin} trapped in ${where}: ${message}`, true);
  return new WasmCallError('MODGATE_PLUGIN_CRASHED', `${plugin} failed in ${where}: ${message}`, true);
}

function preview(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}
