// 32-bit FNV-1a (http://www.isthe.com/chongo/tech/comp/fnv/), fed one byte at a time so a
// feature can be hashed without building its bytes in memory. Values are unsigned 32-bit.

export const FNV_OFFSET_BASIS = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** The hash after feeding one more byte to the running hash h. */
export function fnvByte(h: number, byte: number): number {
  return Math.imul(h ^ byte, FNV_PRIME) >>> 0;
}

/** The hash after feeding every byte of bytes to the running hash h. */
export function fnvBytes(h: number, bytes: Uint8Array): number {
  let out = h;
  for (let i = 0; i < bytes.length; i++) out = fnvByte(out, bytes[i]);
  return out;
}

/** FNV-1a of a whole byte string. */
export function fnv1a32(bytes: Uint8Array): number {
  return fnvBytes(FNV_OFFSET_BASIS, bytes);
}
