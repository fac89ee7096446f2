// Vectors on the wire: JSON arrays, or raw little-endian float32 for clients that send
// `Accept: application/octet-stream` and move many vectors.
import { endianness } from 'node:os';
import type { FastifyReply, FastifyRequest } from 'fastify';

export const FLOAT32_MEDIA_TYPE = 'application/octet-stream';
const LITTLE_ENDIAN_HOST = endianness() === 'LE';

export function wantsFloat32(request: FastifyRequest): boolean {
  const accept = request.headers.accept;
  return accept !== undefined && accept.includes(FLOAT32_MEDIA_TYPE);
}

/** All vectors back to back as little-endian float32 bytes. */
export function float32Bytes(vectors: Float32Array[]): Buffer {
  const total = vectors.reduce((n, v) => n + v.byteLength, 0);
  const out = Buffer.allocUnsafe(total);
  let offset = 0;
  for (const vector of vectors) {
    if (LITTLE_ENDIAN_HOST) {
      out.set(new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength), offset);
      offset += vector.byteLength;
    } else {
      for (const value of vector) offset = out.writeFloatLE(value, offset);
    }
  }
  return out;
}

export function sendFloat32(reply: FastifyReply, vectors: Float32Array[], dimensions: number, model: string): FastifyReply {
  return reply
    .type(FLOAT32_MEDIA_TYPE)
    .header('x-dimensions', String(dimensions))
    .header('x-count', String(vectors.length))
    .header('x-model', model)
    .send(float32Bytes(vectors));
}

export interface VectorizeBody {
  vector?: Float32Array;
  vectors?: Float32Array[];
  dimensions: number;
  model: string;
  version: string;
}

/**
 * The vectorize answer as JSON, written straight from the float32 vectors: the same text
 * fast-json-stringify makes from the response schema, without first copying every vector into a
 * number array (that copy was a visible share of a call's garbage; docs/benchmarks.md).
 * Vectors have passed the output check, so every value is finite.
 */
export function vectorizeJson(body: VectorizeBody): string {
  const head = body.vector !== undefined ? `{"vector":${floatsJson(body.vector)}` : `{"vectors":[${(body.vectors ?? []).map(floatsJson).join(',')}]`;
  return `${head},"dimensions":${body.dimensions},"model":${JSON.stringify(body.model)},"version":${JSON.stringify(body.version)}}`;
}

/** Sends the vectorize answer as JSON through vectorizeJson (the route's schema still documents it). */
export function sendVectorsJson(reply: FastifyReply, body: VectorizeBody): FastifyReply {
  return reply.serializer(vectorizeJson).send(body);
}

/** TypedArray join writes each value as `'' + value` does (and as fast-json-stringify does), natively. */
function floatsJson(vector: Float32Array): string {
  return `[${vector.join(',')}]`;
}

/** A plain copy loop: Array.from on a typed array goes through the iterator and was ~6x slower (bench/). */
export function toNumbers(vector: Float32Array): number[] {
  const out = new Array<number>(vector.length);
  for (let i = 0; i < vector.length; i++) out[i] = vector[i];
  return out;
}
