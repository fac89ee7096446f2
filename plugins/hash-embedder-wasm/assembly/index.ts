// hash-embedder-wasm: the bundled hash-embedder vectorizer compiled to WebAssembly with the
// modgate AssemblyScript SDK. Same config, bit-identical vectors.
export { mg_abi_version, mg_alloc, mg_free, mg_last_error } from "../../../sdk/assemblyscript/assembly/abi";
import { failInit, inputJSON, parseError, vectorizeBatch, vectorizeOne, JSONValue } from "../../../sdk/assemblyscript/assembly/index";
import { embed, Settings } from "./embed";

let settings = new Settings();

function integer(config: JSONValue, key: string, fallback: i32, min: i32, max: i32): i32 {
  const value = config.getNumber(key, <f64>fallback);
  if (value != Math.floor(value) || value < <f64>min || value > <f64>max) {
    problem = "config." + key + " must be an integer from " + min.toString() + " to " + max.toString();
    return fallback;
  }
  return <i32>value;
}

let problem: string = "";

/** Reads the resolved config ({dimensions, minN, maxN, wordBigrams, charWeight}). */
export function mg_init(ptr: usize, len: usize): i32 {
  const config = inputJSON(ptr, len);
  if (config === null) return failInit("config is not valid JSON: " + parseError);
  const s = new Settings();
  problem = "";
  s.dimensions = integer(config, "dimensions", s.dimensions, 8, 4096);
  s.minN = integer(config, "minN", s.minN, 1, 16);
  s.maxN = integer(config, "maxN", s.maxN, 1, 16);
  s.wordBigrams = config.getBool("wordBigrams", s.wordBigrams);
  s.charWeight = config.getNumber("charWeight", s.charWeight);
  if (!(s.charWeight >= 0 && s.charWeight <= 100)) problem = "config.charWeight must be a number from 0 to 100";
  if (s.minN > s.maxN) problem = "config.minN must not be greater than config.maxN";
  if (problem.length > 0) return failInit("hash-embedder-wasm: " + problem);
  settings = s;
  return 0;
}

export function mg_dimensions(): i32 {
  return settings.dimensions;
}

function embedText(text: Uint8Array): Float32Array {
  return embed(text, settings);
}

export function mg_vectorize(ptr: usize, len: usize): u64 {
  return vectorizeOne(ptr, len, embedText);
}

export function mg_vectorize_batch(ptr: usize, len: usize): u64 {
  return vectorizeBatch(ptr, len, embedText, settings.dimensions);
}
