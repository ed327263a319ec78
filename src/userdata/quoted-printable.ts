import { bytesOfLatin1 } from "./base64.ts";

/**
 * Quoted-printable (RFC 2045 §6.7): `=XY` is a byte, `=` at a line's end joins lines. A stray `=`
 * is kept as it is, as Python's email package (and so cloud-init) keeps it.
 */
export function decodeQuotedPrintable(text: string): Uint8Array {
  const joined = text.replace(/=[ \t]*\r?\n/g, "");
  const decoded = joined.replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
  return bytesOfLatin1(decoded);
}
