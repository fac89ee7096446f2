// Main-thread side of loading a WASM plugin: cap its memory, compile it once, and refuse it
// with a message naming the problem when it imports anything beyond mg.log and WASI or lacks
// an export its plugin type needs. Workers only ever receive modules that passed here.
import type { PluginType } from '../../core/types.js';
import { ABI_SIGNATURES, MG_IMPORT_MODULE, MG_LOG_SIGNATURE, OPTIONAL_EXPORTS, WASI_MODULE, requiredExports, sameSignature } from './abi.js';
import { WasmBinaryError, capMemory, formatFuncType, type CappedModule, type FuncType, type MemoryInfo } from './binary.js';

export interface PreparedModule {
  module: WebAssembly.Module;
  /** The module's one memory after the cap (imported or defined). */
  memory: MemoryInfo;
  /** Size of the (rewritten) binary. */
  byteLength: number;
  /** WASI functions the module imports (shown by describe()). */
  wasiImports: string[];
}

/** Why a module was refused; the runtime wraps it in MODGATE_PLUGIN_LOAD_FAILED. */
export class ModuleRefused extends Error {
  constructor(
    message: string,
    /** Each problem on its own (the message joins them). */
    readonly problems: string[] = [message],
  ) {
    super(message);
    this.name = 'ModuleRefused';
  }
}

export async function prepareModule(bytes: Uint8Array, type: PluginType, memoryCapBytes: number): Promise<PreparedModule> {
  let capped: CappedModule;
  try {
    capped = capMemory(bytes, memoryCapBytes);
  } catch (err) {
    if (err instanceof WasmBinaryError) throw new ModuleRefused(err.message);
    throw err;
  }
  let module: WebAssembly.Module;
  try {
    module = await WebAssembly.compile(capped.bytes);
  } catch (err) {
    throw new ModuleRefused(`not valid WebAssembly: ${(err as Error).message}`);
  }
  // Every import and export problem is reported at once, so an author fixes them in one go.
  const problems: string[] = [];
  const wasiImports = checkImports(module, capped, problems);
  const memory = checkExports(module, capped, type, problems);
  if (problems.length > 0 || !memory) throw new ModuleRefused(problems.join('; '), problems);
  return { module, memory, byteLength: capped.bytes.length, wasiImports };
}

function checkImports(module: WebAssembly.Module, capped: CappedModule, problems: string[]): string[] {
  const refused: string[] = [];
  const wasi: string[] = [];
  for (const entry of WebAssembly.Module.imports(module)) {
    const label = `"${entry.module}"."${entry.name}" (${entry.kind})`;
    if (entry.kind === 'memory') continue; // the host supplies it, capped (one memory at most: checked below)
    if (entry.kind === 'function' && entry.module === WASI_MODULE) {
      wasi.push(entry.name);
      continue;
    }
    if (entry.kind === 'function' && entry.module === MG_IMPORT_MODULE && entry.name === 'log') {
      const actual = capped.importSignatures.get('mg.log');
      if (actual && !sameSignature(actual, MG_LOG_SIGNATURE)) {
        problems.push(`import "mg"."log" has type ${formatFuncType(actual)}; ABI v1 defines it as ${formatFuncType(MG_LOG_SIGNATURE)}`);
      }
      continue;
    }
    refused.push(label);
  }
  if (refused.length > 0) {
    problems.push(
      `the module imports ${refused.join(', ')}, which the sandbox does not provide; a WASM plugin may import only "mg"."log", "${WASI_MODULE}" functions and its memory`,
    );
  }
  return wasi;
}

function checkExports(module: WebAssembly.Module, capped: CappedModule, type: PluginType, problems: string[]): MemoryInfo | undefined {
  const exports = new Map(WebAssembly.Module.exports(module).map((e) => [e.name, e.kind]));
  const memory = capped.memories.length === 1 ? capped.memories[0] : undefined;
  if (capped.memories.length === 0) problems.push('the module has no memory; ABI v1 needs an exported memory named "memory"');
  if (capped.memories.length > 1) problems.push(`the module has ${capped.memories.length} memories; ABI v1 uses exactly one`);
  const lacking: string[] = [];
  if (memory && !memory.imported && exports.get('memory') !== 'memory') lacking.push('"memory" (its linear memory)');
  lacking.push(...requiredExports(type).filter((name) => !exports.has(name)).map((name) => `"${name}"`));
  if (lacking.length > 0) {
    problems.push(`the module lacks the export${lacking.length > 1 ? 's' : ''} ${lacking.join(', ')} that a ${type} plugin needs (ABI v1, see sdk/ABI.md)`);
  }
  for (const name of [...requiredExports(type), ...OPTIONAL_EXPORTS]) {
    if (!exports.has(name)) continue;
    if (exports.get(name) !== 'function') problems.push(`export "${name}" must be a function, not a ${exports.get(name)}`);
    else checkSignature(name, capped.exportSignatures.get(name), problems);
  }
  return memory;
}

function checkSignature(name: string, actual: FuncType | undefined, problems: string[]): void {
  const expected = ABI_SIGNATURES[name];
  if (actual === undefined || expected === undefined || sameSignature(actual, expected)) return;
  problems.push(`export "${name}" has type ${formatFuncType(actual)}; ABI v1 needs ${formatFuncType(expected)}`);
}
