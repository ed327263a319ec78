/**
 * Fixed-width fields of on-disk structures. Callers check lengths first; the `?? 0` only keeps the
 * type checker honest, so a logic slip reads zeros instead of throwing a RangeError.
 */

export function u8(b: Uint8Array, at: number): number {
  return b[at] ?? 0;
}

export function u16le(b: Uint8Array, at: number): number {
  return u8(b, at) | (u8(b, at + 1) << 8);
}

export function u32le(b: Uint8Array, at: number): number {
  return (u8(b, at) | (u8(b, at + 1) << 8) | (u8(b, at + 2) << 16)) + u8(b, at + 3) * 0x1000000;
}

/** Latin-1 text of a fixed field, trailing spaces and NULs removed (how labels are padded). */
export function paddedText(b: Uint8Array, at: number, length: number): string {
  return latin1(b.subarray(at, at + length)).replace(/[ \0]+$/, "");
}

const latin1Decoder = new TextDecoder("latin1");

export function latin1(b: Uint8Array): string {
  return latin1Decoder.decode(b);
}

export function equalsAscii(b: Uint8Array, at: number, text: string): boolean {
  for (let i = 0; i < text.length; i++) if (b[at + i] !== text.charCodeAt(i)) return false;
  return true;
}
