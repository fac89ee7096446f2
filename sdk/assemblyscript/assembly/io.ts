// Moving data across the ABI: reading the input the host wrote at (ptr, len) and returning
// output as a packed (ptr << 32) | len of a fresh unmanaged block the host frees.
import { fail, pack } from "./abi";

/** The input bytes, copied into a managed array. */
export function inputBytes(ptr: usize, len: usize): Uint8Array {
  const out = new Uint8Array(<i32>len);
  memory.copy(out.dataStart, ptr, len);
  return out;
}

/** The input as text (UTF-8). */
export function inputString(ptr: usize, len: usize): string {
  return String.UTF8.decodeUnsafe(ptr, len);
}

/** Returns len bytes starting at data (copied, so data may be managed memory). */
export function returnRaw(data: usize, len: usize): u64 {
  const ptr = heap.alloc(len == 0 ? 1 : len);
  memory.copy(ptr, data, len);
  return pack(ptr, len);
}

export function returnBytes(bytes: Uint8Array): u64 {
  return returnRaw(bytes.dataStart, <usize>bytes.byteLength);
}

/** Returns text as UTF-8 (lone surrogates become U+FFFD). */
export function returnString(text: string): u64 {
  const bytes = String.UTF8.encode(text, false, String.UTF8.ErrorMode.REPLACE);
  return returnRaw(changetype<usize>(bytes), <usize>bytes.byteLength);
}

/** Returns one vector: little-endian float32, exactly mg_dimensions() of them. */
export function returnVector(vector: Float32Array): u64 {
  return returnRaw(vector.dataStart, <usize>vector.byteLength);
}

/** Returns vectors back to back (mg_vectorize_batch); each must have `dimensions` floats. */
export function returnVectors(vectors: Float32Array[], dimensions: i32): u64 {
  const size = <usize>vectors.length * <usize>dimensions * 4;
  const ptr = heap.alloc(size == 0 ? 1 : size);
  for (let i = 0; i < vectors.length; i++) {
    const vector = vectors[i];
    if (vector.length != dimensions) {
      heap.free(ptr);
      return fail("vector " + i.toString() + " has " + vector.length.toString() + " values, not " + dimensions.toString());
    }
    memory.copy(ptr + <usize>i * <usize>dimensions * 4, vector.dataStart, <usize>dimensions * 4);
  }
  return pack(ptr, size);
}

/**
 * The texts of an mg_vectorize_batch input: u32 count, then (u32 len, UTF-8 bytes) per text,
 * little-endian. `error` is set (and `texts` empty) when the input does not have that shape.
 */
export class TextBatch {
  texts: Uint8Array[] = [];
  error: string | null = null;

  constructor(ptr: usize, len: usize) {
    const error = this.read(ptr, len);
    if (error.length > 0) {
      this.error = error;
      this.texts = [];
    }
  }

  private read(ptr: usize, len: usize): string {
    if (len < 4) return "batch input shorter than its 4-byte count";
    const count = load<u32>(ptr);
    let at: usize = 4;
    for (let i: u32 = 0; i < count; i++) {
      if (at + 4 > len) return "batch input ends inside the length of text " + i.toString();
      const size = <usize>load<u32>(ptr + at);
      at += 4;
      if (size > len - at) return "batch input ends inside text " + i.toString();
      this.texts.push(inputBytes(ptr + at, size));
      at += size;
    }
    return "";
  }
}

/** mg_vectorize in one line: `return vectorizeOne(ptr, len, embed)`. */
export function vectorizeOne(ptr: usize, len: usize, embed: (text: Uint8Array) => Float32Array): u64 {
  return returnVector(embed(inputBytes(ptr, len)));
}

/** mg_vectorize_batch in one line: `return vectorizeBatch(ptr, len, embed, dimensions)`. */
export function vectorizeBatch(ptr: usize, len: usize, embed: (text: Uint8Array) => Float32Array, dimensions: i32): u64 {
  const batch = new TextBatch(ptr, len);
  if (batch.error !== null) return fail(batch.error!);
  const vectors = new Array<Float32Array>(batch.texts.length);
  for (let i = 0; i < batch.texts.length; i++) vectors[i] = embed(batch.texts[i]);
  return returnVectors(vectors, dimensions);
}
