// {{name}}: a WebAssembly modgate vectorizer (ABI v1), written in AssemblyScript with the
// modgate SDK (a copy lives in ./modgate). Every 3-byte window of the UTF-8 text is hashed
// (FNV-1a) into one of `dimensions` buckets with a sign; the vector is L2-normalised.
// Replace embed() with your model; keep the exports.
export { mg_abi_version, mg_alloc, mg_free, mg_last_error } from "./modgate/abi";
import { failInit, inputJSON, parseError, vectorizeBatch, vectorizeOne } from "./modgate/index";

let dimensions: i32 = 64;

/** Receives the resolved config as JSON once, before any call; non-zero refuses the load. */
export function mg_init(ptr: usize, len: usize): i32 {
  const config = inputJSON(ptr, len);
  if (config === null) return failInit("config is not valid JSON: " + parseError);
  const value = config.getNumber("dimensions", 64);
  if (value != Math.floor(value) || value < 8 || value > 4096) {
    return failInit("{{name}}: config.dimensions must be an integer from 8 to 4096");
  }
  dimensions = <i32>value;
  return 0;
}

export function mg_dimensions(): i32 {
  return dimensions;
}

function embed(text: Uint8Array): Float32Array {
  const vector = new Float32Array(dimensions);
  const windows = max(text.length - 2, 1);
  for (let i = 0; i < windows; i++) {
    let h: u32 = 0x811c9dc5;
    for (let j = i; j < i + 3 && j < text.length; j++) h = (h ^ <u32>text[j]) * 0x01000193;
    vector[<i32>(h % <u32>dimensions)] += (h & 0x80000000) != 0 ? -1 : 1;
  }
  let norm: f64 = 0;
  for (let k = 0; k < dimensions; k++) norm += <f64>vector[k] * <f64>vector[k];
  if (norm > 0) {
    const length = Math.sqrt(norm);
    for (let k = 0; k < dimensions; k++) vector[k] = <f32>(<f64>vector[k] / length);
  }
  return vector;
}

export function mg_vectorize(ptr: usize, len: usize): u64 {
  return vectorizeOne(ptr, len, embed);
}

export function mg_vectorize_batch(ptr: usize, len: usize): u64 {
  return vectorizeBatch(ptr, len, embed, dimensions);
}
