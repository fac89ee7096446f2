// ABI v1 ("mg") between the gateway and a WebAssembly plugin: the exports each plugin type
// needs, their signatures, and the host side of the wire formats. sdk/ABI.md is the
// specification for plugin authors; keep the two in step.
import type { PluginType } from '../../core/types.js';
import type { FuncType } from './binary.js';

export const ABI_VERSION = 1;

/** The only import module besides WASI, and its one function. */
export const MG_IMPORT_MODULE = 'mg';
export const WASI_MODULE = 'wasi_snapshot_preview1';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const I32 = 'i32';
const I64 = 'i64';
const sig = (params: string[], results: string[]): FuncType => ({ params, results });

/** Function exports and the signature ABI v1 gives each one. */
export const ABI_SIGNATURES: Readonly<Record<string, FuncType>> = {
  mg_abi_version: sig([], [I32]),
  mg_alloc: sig([I32], [I32]),
  mg_free: sig([I32, I32], []),
  _initialize: sig([], []),
  mg_init: sig([I32, I32], [I32]),
  mg_last_error: sig([], [I64]),
  mg_dimensions: sig([], [I32]),
  mg_vectorize: sig([I32, I32], [I64]),
  mg_vectorize_batch: sig([I32, I32], [I64]),
  mg_transform: sig([I32, I32], [I64]),
  mg_transform_batch: sig([I32, I32], [I64]),
  mg_rerank: sig([I32, I32], [I64]),
  mg_generate: sig([I32, I32], [I64]),
  mg_put: sig([I32, I32], [I64]),
  mg_get: sig([I32, I32], [I64]),
  mg_delete: sig([I32, I32], [I64]),
  mg_list: sig([I32, I32], [I64]),
  mg_authenticate: sig([I32, I32], [I64]),
  mg_authorize: sig([I32, I32], [I64]),
};

export const MG_LOG_SIGNATURE = sig([I32, I32, I32], []);

/** Every module exports these, whatever its type. */
export const COMMON_EXPORTS = ['mg_abi_version', 'mg_alloc', 'mg_free', 'mg_last_error'] as const;

/** The operation exports each plugin type must have. */
export const TYPE_EXPORTS: Readonly<Record<PluginType, readonly string[]>> = {
  vectorizer: ['mg_dimensions', 'mg_vectorize', 'mg_vectorize_batch'],
  transformer: ['mg_transform'],
  reranker: ['mg_rerank'],
  generator: ['mg_generate'],
  storage: ['mg_put', 'mg_get', 'mg_delete', 'mg_list'],
  auth: ['mg_authenticate', 'mg_authorize'],
};

/** Exports a module may have; used only when present. */
export const OPTIONAL_EXPORTS = ['_initialize', 'mg_init', 'mg_transform_batch'] as const;

/** The exports a module of this type must have (besides `memory`). */
export function requiredExports(type: PluginType): string[] {
  return [...COMMON_EXPORTS, ...TYPE_EXPORTS[type]];
}

export function sameSignature(a: FuncType, b: FuncType): boolean {
  return a.params.length === b.params.length && a.results.length === b.results.length && a.params.every((p, i) => p === b.params[i]) && a.results.every((r, i) => r === b.results[i]);
}

/** (ptr << 32) | len as returned by mg_<op> and mg_last_error; 0 means "error". */
export function unpack(value: unknown): { ptr: number; len: number } | undefined {
  if (typeof value !== 'bigint') return undefined;
  const bits = BigInt.asUintN(64, value);
  return { ptr: Number(bits >> 32n), len: Number(bits & 0xffff_ffffn) };
}

export function pack(ptr: number, len: number): bigint {
  return BigInt.asIntN(64, (BigInt(ptr >>> 0) << 32n) | BigInt(len >>> 0));
}

const encoder = new TextEncoder();

/** The batch input of mg_vectorize_batch: u32 count, then (u32 len, bytes) per text, little-endian. */
export function encodeTextBatch(texts: readonly string[]): Uint8Array {
  const encoded = texts.map((t) => encoder.encode(t));
  const total = 4 + encoded.reduce((sum, e) => sum + 4 + e.length, 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  view.setUint32(0, encoded.length, true);
  let offset = 4;
  for (const bytes of encoded) {
    view.setUint32(offset, bytes.length, true);
    out.set(bytes, offset + 4);
    offset += 4 + bytes.length;
  }
  return out;
}
