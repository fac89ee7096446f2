// The on-disk format of one object: one file holding a small header and the value, so a single
// rename replaces key, content type and bytes together.
//
//   bytes 0..3   magic "MGO1"
//   bytes 4..7   header length n, uint32 big-endian
//   bytes 8..8+n header: UTF-8 JSON {"key": string, "contentType": string}
//   then         the value bytes
import { ModgateError } from '../../../src/errors.js';

const MAGIC = Buffer.from('MGO1', 'latin1');
export const PREAMBLE_BYTES = 8;

export interface ObjectHeader {
  key: string;
  contentType: string;
}

export function encodeHeader(header: ObjectHeader): Buffer {
  const json = Buffer.from(JSON.stringify({ key: header.key, contentType: header.contentType }), 'utf8');
  const preamble = Buffer.alloc(PREAMBLE_BYTES);
  MAGIC.copy(preamble, 0);
  preamble.writeUInt32BE(json.length, 4);
  return Buffer.concat([preamble, json]);
}

/** The header length from the first 8 bytes of a file; throws when the file is not an object file. */
export function headerLength(preamble: Buffer, file: string): number {
  if (preamble.length < PREAMBLE_BYTES || !preamble.subarray(0, 4).equals(MAGIC)) {
    throw new ModgateError('MODGATE_PLUGIN_ERROR', `fs-storage: ${file} is not an object file (bad magic)`);
  }
  return preamble.readUInt32BE(4);
}

export function parseHeader(bytes: Buffer, file: string): ObjectHeader {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new ModgateError('MODGATE_PLUGIN_ERROR', `fs-storage: ${file} has a corrupt header`);
  }
  const record = parsed as Record<string, unknown> | null;
  if (typeof record?.key !== 'string' || typeof record.contentType !== 'string') {
    throw new ModgateError('MODGATE_PLUGIN_ERROR', `fs-storage: ${file} has a corrupt header`);
  }
  return { key: record.key, contentType: record.contentType };
}

/** Splits a whole object file into header and value. */
export function decodeObject(file: Buffer, name: string): { header: ObjectHeader; value: Uint8Array } {
  const length = headerLength(file.subarray(0, PREAMBLE_BYTES), name);
  const end = PREAMBLE_BYTES + length;
  if (end > file.length) throw new ModgateError('MODGATE_PLUGIN_ERROR', `fs-storage: ${name} is truncated`);
  const header = parseHeader(file.subarray(PREAMBLE_BYTES, end), name);
  return { header, value: new Uint8Array(file.subarray(end)) }; // a copy: no view into a shared buffer
}
