/**
 * Facts hold files as latin1 text (one character per byte), so a file can be edited and written back
 * byte for byte even where it is not UTF-8. New text is UTF-8: it becomes latin1 "byte text" here,
 * and the whole is turned back into bytes at the end.
 */
const encoder = new TextEncoder();

export function utf8AsLatin1(text: string): string {
  let out = "";
  for (const byte of encoder.encode(text)) out += String.fromCharCode(byte);
  return out;
}

export function latin1Bytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}
