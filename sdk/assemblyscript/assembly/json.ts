// A small JSON library: parse text into JSONValue trees, build JSONValue trees and write
// them out. Enough for ABI v1's structured operations and mg_init's config.

export const enum JSONKind {
  Null = 0,
  Bool = 1,
  Number = 2,
  String = 3,
  Array = 4,
  Object = 5,
}

export class JSONValue {
  kind: JSONKind = JSONKind.Null;
  boolValue: bool = false;
  numberValue: f64 = 0;
  stringValue: string = "";
  items: JSONValue[] = [];
  /** Object keys in insertion order, and their values. */
  keys: string[] = [];
  values: Map<string, JSONValue> = new Map<string, JSONValue>();

  static null(): JSONValue {
    return new JSONValue();
  }

  static bool(value: bool): JSONValue {
    const v = new JSONValue();
    v.kind = JSONKind.Bool;
    v.boolValue = value;
    return v;
  }

  static number(value: f64): JSONValue {
    const v = new JSONValue();
    v.kind = JSONKind.Number;
    v.numberValue = value;
    return v;
  }

  static string(value: string): JSONValue {
    const v = new JSONValue();
    v.kind = JSONKind.String;
    v.stringValue = value;
    return v;
  }

  static array(): JSONValue {
    const v = new JSONValue();
    v.kind = JSONKind.Array;
    return v;
  }

  static object(): JSONValue {
    const v = new JSONValue();
    v.kind = JSONKind.Object;
    return v;
  }

  static strings(values: string[]): JSONValue {
    const v = JSONValue.array();
    for (let i = 0; i < values.length; i++) v.push(JSONValue.string(values[i]));
    return v;
  }

  get isNull(): bool {
    return this.kind == JSONKind.Null;
  }
  get isBool(): bool {
    return this.kind == JSONKind.Bool;
  }
  get isNumber(): bool {
    return this.kind == JSONKind.Number;
  }
  get isString(): bool {
    return this.kind == JSONKind.String;
  }
  get isArray(): bool {
    return this.kind == JSONKind.Array;
  }
  get isObject(): bool {
    return this.kind == JSONKind.Object;
  }

  /** Appends to an array; returns this for chaining. */
  push(item: JSONValue): JSONValue {
    this.items.push(item);
    return this;
  }

  /** Sets an object member (keeps its first position when replaced); returns this. */
  set(key: string, value: JSONValue): JSONValue {
    if (!this.values.has(key)) this.keys.push(key);
    this.values.set(key, value);
    return this;
  }

  has(key: string): bool {
    return this.kind == JSONKind.Object && this.values.has(key);
  }

  /** The member, or null when this is not an object or has no such key. */
  get(key: string): JSONValue | null {
    if (!this.has(key)) return null;
    return this.values.get(key);
  }

  getString(key: string, fallback: string): string {
    const v = this.get(key);
    return v !== null && v.isString ? v.stringValue : fallback;
  }

  getNumber(key: string, fallback: f64): f64 {
    const v = this.get(key);
    return v !== null && v.isNumber ? v.numberValue : fallback;
  }

  getBool(key: string, fallback: bool): bool {
    const v = this.get(key);
    return v !== null && v.isBool ? v.boolValue : fallback;
  }

  /** The member's items when it is an array, else null. */
  getArray(key: string): JSONValue[] | null {
    const v = this.get(key);
    return v !== null && v.isArray ? v.items : null;
  }

  stringify(): string {
    const out = new StringBuilder();
    writeValue(out, this);
    return out.toString();
  }
}

/** Collects string pieces and joins them once. */
class StringBuilder {
  parts: string[] = [];
  add(s: string): void {
    this.parts.push(s);
  }
  toString(): string {
    return this.parts.join("");
  }
}

function writeValue(out: StringBuilder, v: JSONValue): void {
  switch (v.kind) {
    case JSONKind.Null:
      out.add("null");
      break;
    case JSONKind.Bool:
      out.add(v.boolValue ? "true" : "false");
      break;
    case JSONKind.Number:
      out.add(numberText(v.numberValue));
      break;
    case JSONKind.String:
      out.add(quote(v.stringValue));
      break;
    case JSONKind.Array: {
      out.add("[");
      for (let i = 0; i < v.items.length; i++) {
        if (i > 0) out.add(",");
        writeValue(out, v.items[i]);
      }
      out.add("]");
      break;
    }
    case JSONKind.Object: {
      out.add("{");
      for (let i = 0; i < v.keys.length; i++) {
        if (i > 0) out.add(",");
        const key = v.keys[i];
        out.add(quote(key));
        out.add(":");
        writeValue(out, v.values.get(key));
      }
      out.add("}");
      break;
    }
  }
}

/** A JSON number: integers without a fraction, non-finite values as null (JSON has none). */
export function numberText(value: f64): string {
  if (!isFinite(value)) return "null";
  if (value == Math.floor(value) && Math.abs(value) < 9007199254740992) return (<i64>value).toString();
  return value.toString();
}

const HEX = "0123456789abcdef";

/** A JSON string literal: quotes, backslashes and control characters escaped. */
export function quote(s: string): string {
  const parts: string[] = ['"'];
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c != 0x22 && c != 0x5c) continue;
    if (i > start) parts.push(s.substring(start, i));
    if (c == 0x22) parts.push('\\"');
    else if (c == 0x5c) parts.push("\\\\");
    else if (c == 0x0a) parts.push("\\n");
    else if (c == 0x0d) parts.push("\\r");
    else if (c == 0x09) parts.push("\\t");
    else parts.push("\\u00" + HEX.charAt(c >> 4) + HEX.charAt(c & 15));
    start = i + 1;
  }
  if (start < s.length) parts.push(s.substring(start));
  parts.push('"');
  return parts.join("");
}

/** Parses JSON text. On failure returns null and `parseError` says why. */
export function parseJSON(text: string): JSONValue | null {
  const parser = new Parser(text);
  const value = parser.value(0);
  if (value !== null) {
    parser.skipSpace();
    if (parser.pos < text.length) {
      parseError = "unexpected text after the JSON value at " + parser.pos.toString();
      return null;
    }
  }
  if (value === null) parseError = parser.error;
  return value;
}

/** Why the last parseJSON returned null. */
export let parseError: string = "";

const MAX_DEPTH = 256;

class Parser {
  pos: i32 = 0;
  error: string = "";

  constructor(public text: string) {}

  fail(message: string): JSONValue | null {
    if (this.error.length == 0) this.error = message + " at " + this.pos.toString();
    return null;
  }

  skipSpace(): void {
    while (this.pos < this.text.length) {
      const c = this.text.charCodeAt(this.pos);
      if (c != 0x20 && c != 0x09 && c != 0x0a && c != 0x0d) break;
      this.pos++;
    }
  }

  value(depth: i32): JSONValue | null {
    if (depth > MAX_DEPTH) return this.fail("nested too deeply");
    this.skipSpace();
    if (this.pos >= this.text.length) return this.fail("unexpected end of JSON");
    const c = this.text.charCodeAt(this.pos);
    if (c == 0x7b) return this.object(depth);
    if (c == 0x5b) return this.array(depth);
    if (c == 0x22) {
      const s = this.string();
      return s === null ? null : JSONValue.string(s);
    }
    if (c == 0x2d || (c >= 0x30 && c <= 0x39)) return this.number();
    if (this.text.startsWith("true", this.pos)) {
      this.pos += 4;
      return JSONValue.bool(true);
    }
    if (this.text.startsWith("false", this.pos)) {
      this.pos += 5;
      return JSONValue.bool(false);
    }
    if (this.text.startsWith("null", this.pos)) {
      this.pos += 4;
      return JSONValue.null();
    }
    return this.fail("unexpected character");
  }

  object(depth: i32): JSONValue | null {
    const out = JSONValue.object();
    this.pos++; // {
    this.skipSpace();
    if (this.pos < this.text.length && this.text.charCodeAt(this.pos) == 0x7d) {
      this.pos++;
      return out;
    }
    while (true) {
      this.skipSpace();
      if (this.pos >= this.text.length || this.text.charCodeAt(this.pos) != 0x22) return this.fail("expected a string key");
      const key = this.string();
      if (key === null) return null;
      this.skipSpace();
      if (this.pos >= this.text.length || this.text.charCodeAt(this.pos) != 0x3a) return this.fail("expected ':'");
      this.pos++;
      const item = this.value(depth + 1);
      if (item === null) return null;
      out.set(key, item);
      this.skipSpace();
      if (this.pos >= this.text.length) return this.fail("unexpected end inside an object");
      const c = this.text.charCodeAt(this.pos++);
      if (c == 0x7d) return out;
      if (c != 0x2c) return this.fail("expected ',' or '}'");
    }
  }

  array(depth: i32): JSONValue | null {
    const out = JSONValue.array();
    this.pos++; // [
    this.skipSpace();
    if (this.pos < this.text.length && this.text.charCodeAt(this.pos) == 0x5d) {
      this.pos++;
      return out;
    }
    while (true) {
      const item = this.value(depth + 1);
      if (item === null) return null;
      out.push(item);
      this.skipSpace();
      if (this.pos >= this.text.length) return this.fail("unexpected end inside an array");
      const c = this.text.charCodeAt(this.pos++);
      if (c == 0x5d) return out;
      if (c != 0x2c) return this.fail("expected ',' or ']'");
    }
  }

  string(): string | null {
    this.pos++; // opening quote
    const parts: string[] = [];
    let start = this.pos;
    while (this.pos < this.text.length) {
      const c = this.text.charCodeAt(this.pos);
      if (c == 0x22) {
        if (this.pos > start) parts.push(this.text.substring(start, this.pos));
        this.pos++;
        return parts.join("");
      }
      if (c < 0x20) {
        this.fail("control character in a string");
        return null;
      }
      if (c != 0x5c) {
        this.pos++;
        continue;
      }
      if (this.pos > start) parts.push(this.text.substring(start, this.pos));
      if (this.pos + 1 >= this.text.length) break;
      const e = this.text.charCodeAt(this.pos + 1);
      this.pos += 2;
      if (e == 0x22) parts.push('"');
      else if (e == 0x5c) parts.push("\\");
      else if (e == 0x2f) parts.push("/");
      else if (e == 0x62) parts.push("\b");
      else if (e == 0x66) parts.push("\f");
      else if (e == 0x6e) parts.push("\n");
      else if (e == 0x72) parts.push("\r");
      else if (e == 0x74) parts.push("\t");
      else if (e == 0x75) {
        if (this.pos + 4 > this.text.length) break;
        const code = parseHex4(this.text, this.pos);
        if (code < 0) {
          this.fail("bad \\u escape");
          return null;
        }
        parts.push(String.fromCharCode(code));
        this.pos += 4;
      } else {
        this.fail("bad escape");
        return null;
      }
      start = this.pos;
    }
    this.fail("unterminated string");
    return null;
  }

  number(): JSONValue | null {
    const start = this.pos;
    if (this.text.charCodeAt(this.pos) == 0x2d) this.pos++;
    const digitsStart = this.pos;
    while (this.pos < this.text.length && isNumberChar(this.text.charCodeAt(this.pos))) this.pos++;
    if (this.pos == digitsStart) return this.fail("expected a digit");
    const value = parseFloat(this.text.substring(start, this.pos));
    if (isNaN(value)) return this.fail("malformed number");
    return JSONValue.number(value);
  }
}

function isNumberChar(c: i32): bool {
  return (c >= 0x30 && c <= 0x39) || c == 0x2e || c == 0x65 || c == 0x45 || c == 0x2b || c == 0x2d;
}

function parseHex4(text: string, at: i32): i32 {
  let value = 0;
  for (let i = 0; i < 4; i++) {
    const c = text.charCodeAt(at + i);
    let digit: i32;
    if (c >= 0x30 && c <= 0x39) digit = c - 0x30;
    else if (c >= 0x61 && c <= 0x66) digit = c - 0x61 + 10;
    else if (c >= 0x41 && c <= 0x46) digit = c - 0x41 + 10;
    else return -1;
    value = (value << 4) | digit;
  }
  return value;
}
