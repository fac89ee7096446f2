// The modgate AssemblyScript SDK: everything a plugin needs besides the ABI exports it
// re-exports from "./abi" (see ../README.md for a complete vectorizer in a few lines).
export { pack, fail, failInit, ABI_VERSION } from "./abi";
export { inputBytes, inputString, returnRaw, returnBytes, returnString, returnVector, returnVectors, TextBatch, vectorizeOne, vectorizeBatch } from "./io";
export { JSONValue, JSONKind, parseJSON, parseError, quote, numberText } from "./json";
export { log } from "./log";
export { returnJSON, inputJSON, failBadInput } from "./structured";
export { isTokenByte, tokenize } from "./text";
