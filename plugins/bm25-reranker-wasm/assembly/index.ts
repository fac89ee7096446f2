// bm25-reranker-wasm: the bundled BM25 reranker compiled to WebAssembly with the modgate
// AssemblyScript SDK. JSON in ({"query", "documents", "topN"?}), JSON out ({"results"}).
export { mg_abi_version, mg_alloc, mg_free, mg_last_error } from "../../../sdk/assemblyscript/assembly/abi";
import { fail, failBadInput, failInit, inputJSON, parseError, returnJSON, JSONValue } from "../../../sdk/assemblyscript/assembly/index";
import { bm25Scores, rankByScore, Options } from "./bm25";

let options = new Options();

/** Reads the resolved config ({k1, b, stem}). */
export function mg_init(ptr: usize, len: usize): i32 {
  const config = inputJSON(ptr, len);
  if (config === null) return failInit("config is not valid JSON: " + parseError);
  const o = new Options();
  o.k1 = config.getNumber("k1", o.k1);
  o.b = config.getNumber("b", o.b);
  o.stem = config.getBool("stem", o.stem);
  if (!(o.k1 >= 0 && o.k1 <= 100)) return failInit("bm25-reranker-wasm: config.k1 must be a number from 0 to 100");
  if (!(o.b >= 0 && o.b <= 1)) return failInit("bm25-reranker-wasm: config.b must be a number from 0 to 1");
  options = o;
  return 0;
}

export function mg_rerank(ptr: usize, len: usize): u64 {
  const input = inputJSON(ptr, len);
  if (input === null) return failBadInput();
  const query = input.get("query");
  if (query === null || !query.isString) return fail("bm25-reranker-wasm: query must be a string");
  const items = input.getArray("documents");
  if (items === null) return fail("bm25-reranker-wasm: documents must be an array of strings");
  const documents = new Array<string>(items.length);
  for (let i = 0; i < items.length; i++) {
    if (!items[i].isString) return fail("bm25-reranker-wasm: documents[" + i.toString() + "] must be a string");
    documents[i] = items[i].stringValue;
  }
  let topN = -1;
  const top = input.get("topN");
  if (top !== null && !top.isNull) {
    if (!top.isNumber || top.numberValue < 0 || top.numberValue != Math.floor(top.numberValue)) return fail("bm25-reranker-wasm: topN must be an integer >= 0");
    topN = <i32>Math.min(top.numberValue, 2147483647);
  }
  const hits = rankByScore(bm25Scores(query.stringValue, documents, options), topN);
  const results = JSONValue.array();
  for (let i = 0; i < hits.length; i++) {
    results.push(JSONValue.object().set("index", JSONValue.number(<f64>hits[i].index)).set("score", JSONValue.number(hits[i].score)));
  }
  return returnJSON(JSONValue.object().set("results", results));
}
