// The ABI v1 exports every plugin needs. Re-export them from your entry file:
//
//   export { mg_abi_version, mg_alloc, mg_free, mg_last_error } from "<sdk>/assembly/abi";
//
// Buffers the host allocates (input) and the buffers this module returns (output) are
// unmanaged heap blocks (heap.alloc), so the garbage collector never moves or frees them
// while the host holds their address; the host frees both with mg_free.
import { write, LEVEL_ERROR } from "./log";

export const ABI_VERSION: i32 = 1;

/** (ptr << 32) | len: how mg_<op> and mg_last_error return a buffer; 0 means "error". */
export function pack(ptr: usize, len: usize): u64 {
  return (<u64>ptr << 32) | <u64>(<u32>len);
}

let lastError: u64 = 0;

/** Records message for mg_last_error and returns 0, the error result of an mg_<op>. */
export function fail(message: string): u64 {
  const old = <usize>(lastError >> 32);
  if (old != 0) heap.free(old);
  const bytes = String.UTF8.encode(message, false, String.UTF8.ErrorMode.REPLACE);
  const len = <usize>bytes.byteLength;
  const ptr = heap.alloc(len == 0 ? 1 : len);
  memory.copy(ptr, changetype<usize>(bytes), len);
  lastError = pack(ptr, len);
  return 0;
}

/** Records message for mg_last_error and returns 1, the error result of mg_init. */
export function failInit(message: string): i32 {
  fail(message);
  return 1;
}

export function mg_abi_version(): i32 {
  return ABI_VERSION;
}

export function mg_alloc(size: usize): usize {
  return heap.alloc(size == 0 ? 1 : size);
}

export function mg_free(ptr: usize, size: usize): void {
  if (ptr != 0) heap.free(ptr);
}

export function mg_last_error(): u64 {
  return lastError;
}

/**
 * Replaces AssemblyScript's `abort` (which would import env.abort, refused by the sandbox):
 * logs the message through mg.log, then traps. The SDK's build passes
 * `--use abort=sdk/assemblyscript/assembly/abi/mgAbort`.
 */
export function mgAbort(message: string | null, fileName: string | null, line: u32, column: u32): void {
  let text = message !== null ? message : "abort";
  if (fileName !== null) text += " at " + fileName + ":" + line.toString() + ":" + column.toString();
  write(LEVEL_ERROR, text);
  unreachable();
}
