import { Secret } from "../model/secret.ts";
import type { Change } from "./change.ts";

type WriteContent = Extract<Change, { kind: "write" }>["content"];

const encoder = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** The bytes to write. Reveals a Secret: only apply calls this, at the moment of writing. */
export function contentBytes(content: WriteContent): Uint8Array {
  if (content instanceof Secret) return encoder.encode(content.reveal());
  return typeof content === "string" ? encoder.encode(content) : content;
}

/** Bytes as text when they are UTF-8 a person can read (no NUL), else null: shown as binary. */
export function asText(bytes: Uint8Array): string | null {
  if (bytes.includes(0)) return null;
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return null;
  }
}

export function sha256Hex(bytes: Uint8Array | string): string {
  return new Bun.CryptoHasher("sha256").update(bytes).digest("hex");
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));
}

/** 0o644 → "0644", as chmod(1) and ls users read modes. */
export function octal(mode: number): string {
  return mode.toString(8).padStart(4, "0");
}
