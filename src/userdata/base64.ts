import { InputError } from "../errors.ts";

/**
 * base64 as clouds send it: line breaks and spaces ignored, padding optional. Anything else is
 * refused rather than skipped, because a silently shortened script is worse than none.
 */
export function decodeBase64(text: string, source: string, path = ""): Uint8Array {
  const compact = text.replace(/[\s]/g, "");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.replace(/=+$/, "").length % 4 === 1) {
    throw new InputError(source, [{ path, message: "invalid base64" }]);
  }
  return new Uint8Array(Buffer.from(compact, "base64"));
}

/** Bytes as they are, one character per byte: how MIME structure is read without decoding text. */
export function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
}

export function bytesOfLatin1(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, "latin1"));
}
