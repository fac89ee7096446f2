// The Embed answer (EmbedResponse: repeated Vector { repeated float values }) read and written
// straight between protobuf bytes and Float32Arrays. protobufjs goes through a JS number per
// component (read, object, then a Float32Array copy), which cost tens of µs per 384-float vector
// on each side of the socket; packed float32 on the wire is already the Float32Array's bytes.
// loadProtocol() installs these as the Embed method's (de)serializers for the gateway's client
// and the TypeScript SDK's server; other languages' plugins speak the same bytes.
import { endianness } from 'node:os';

export interface EmbedVector {
  values: ArrayLike<number>;
}

export interface WireEmbedResponse {
  vectors: EmbedVector[];
}

/** A decoded EmbedResponse: each vector in its own Float32Array. */
export interface DecodedEmbedResponse {
  vectors: Array<{ values: Float32Array }>;
}

const LITTLE_ENDIAN = endianness() === 'LE';

const WIRE_VARINT = 0;
const WIRE_I64 = 1;
const WIRE_LEN = 2;
const WIRE_I32 = 5;
/** Field 1 with wire type LEN: EmbedResponse.vectors and packed Vector.values. */
const TAG_FIELD1_LEN = (1 << 3) | WIRE_LEN;
/** Field 1 with wire type I32: one unpacked Vector.values element (parsers must accept both). */
const TAG_FIELD1_I32 = (1 << 3) | WIRE_I32;

/** The message bytes for an EmbedResponse. */
export function encodeEmbedResponse(message: WireEmbedResponse): Buffer {
  const vectors = message.vectors;
  let total = 0;
  for (const v of vectors) {
    const inner = vectorBytes(v.values.length);
    total += 1 + varintLength(inner) + inner;
  }
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  for (const { values } of vectors) {
    const n = values.length;
    out[at++] = TAG_FIELD1_LEN;
    at = writeVarint(out, at, vectorBytes(n));
    if (n === 0) continue;
    out[at++] = TAG_FIELD1_LEN;
    at = writeVarint(out, at, n * 4);
    if (LITTLE_ENDIAN && values instanceof Float32Array) {
      out.set(new Uint8Array(values.buffer, values.byteOffset, n * 4), at);
      at += n * 4;
    } else {
      for (let i = 0; i < n; i++, at += 4) out.writeFloatLE(values[i], at);
    }
  }
  return out;
}

/**
 * Reads EmbedResponse bytes; throws on bytes that are not a well-formed EmbedResponse. The
 * vectors are views into one Float32Array holding all of them (one allocation per answer).
 */
export function decodeEmbedResponse(bytes: Buffer): DecodedEmbedResponse {
  // First where each vector's floats are (packed runs, or unpacked single floats), then one copy.
  const runs: number[][] = [];
  const counts: number[] = [];
  let total = 0;
  const reader = new Reader(bytes, 0, bytes.length);
  while (reader.more()) {
    const tag = reader.varint();
    if (tag === TAG_FIELD1_LEN) {
      const length = reader.varint();
      const vectorRuns: number[] = [];
      const count = findFloatRuns(reader.sub(length), vectorRuns);
      runs.push(vectorRuns);
      counts.push(count);
      total += count;
    } else {
      reader.skip(tag);
    }
  }
  const all = new Float32Array(total);
  const allBytes = new Uint8Array(all.buffer);
  const vectors: Array<{ values: Float32Array }> = [];
  let at = 0;
  for (let v = 0; v < runs.length; v++) {
    const vectorRuns = runs[v];
    let fill = at;
    for (let r = 0; r < vectorRuns.length; r += 2) {
      const start = vectorRuns[r];
      const count = vectorRuns[r + 1];
      if (LITTLE_ENDIAN) allBytes.set(bytes.subarray(start, start + count * 4), fill * 4);
      else for (let i = 0; i < count; i++) all[fill + i] = bytes.readFloatLE(start + i * 4);
      fill += count;
    }
    vectors.push({ values: all.subarray(at, at + counts[v]) });
    at += counts[v];
  }
  return { vectors };
}

/** Appends (byte offset, float count) pairs of one Vector's values to `runs`; returns the count. */
function findFloatRuns(reader: Reader, runs: number[]): number {
  let count = 0;
  while (reader.more()) {
    const tag = reader.varint();
    if (tag === TAG_FIELD1_LEN) {
      const length = reader.varint();
      if (length % 4 !== 0) throw new Error(`packed float field of ${length} bytes (not a multiple of 4)`);
      runs.push(reader.take(length), length / 4);
      count += length / 4;
    } else if (tag === TAG_FIELD1_I32) {
      runs.push(reader.take(4), 1);
      count++;
    } else {
      reader.skip(tag);
    }
  }
  return count;
}

class Reader {
  constructor(
    private readonly bytes: Buffer,
    private at: number,
    private readonly end: number,
  ) {}

  more(): boolean {
    return this.at < this.end;
  }

  varint(): number {
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (this.at >= this.end) throw new Error('message ends inside a varint');
      const byte = this.bytes[this.at++];
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
    }
    // Longer varints (64-bit values) only appear in fields this reader skips.
    for (;;) {
      if (this.at >= this.end) throw new Error('message ends inside a varint');
      if (this.bytes[this.at++] < 0x80) return value;
    }
  }

  /** A reader over the next `length` bytes, which this one then skips. */
  sub(length: number): Reader {
    const start = this.take(length);
    return new Reader(this.bytes, start, start + length);
  }

  /** Skips the value of a field this reader does not use. */
  skip(tag: number): void {
    switch (tag & 7) {
      case WIRE_VARINT:
        this.varint();
        return;
      case WIRE_I64:
        this.take(8);
        return;
      case WIRE_LEN:
        this.take(this.varint());
        return;
      case WIRE_I32:
        this.take(4);
        return;
      default:
        throw new Error(`unsupported wire type ${tag & 7} (field ${tag >>> 3})`);
    }
  }

  /** Advances past `length` bytes and returns where they start. */
  take(length: number): number {
    if (this.end - this.at < length) throw new Error(`field of ${length} bytes runs past the end of the message`);
    const start = this.at;
    this.at += length;
    return start;
  }
}

function vectorBytes(n: number): number {
  return n === 0 ? 0 : 1 + varintLength(n * 4) + n * 4;
}

function varintLength(value: number): number {
  let length = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 128);
    length++;
  }
  return length;
}

function writeVarint(out: Buffer, at: number, value: number): number {
  while (value >= 0x80) {
    out[at++] = (value & 0x7f) | 0x80;
    value = Math.floor(value / 128);
  }
  out[at++] = value;
  return at;
}
