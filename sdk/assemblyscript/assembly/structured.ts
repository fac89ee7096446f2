// JSON in, JSON out: the structured operations (mg_transform, mg_rerank, mg_generate,
// storage and auth) read a JSON object and return one.
import { fail } from "./abi";
import { inputString, returnString } from "./io";
import { JSONValue, parseJSON, parseError } from "./json";

/** The input parsed as JSON; null when it is not JSON (then return fail(...)). */
export function inputJSON(ptr: usize, len: usize): JSONValue | null {
  return parseJSON(inputString(ptr, len));
}

/** The reason inputJSON returned null, as a failed result. */
export function failBadInput(): u64 {
  return fail("input is not valid JSON: " + parseError);
}

export function returnJSON(value: JSONValue): u64 {
  return returnString(value.stringify());
}
