/**
 * XenStore wire format (xen/include/public/io/xs_wire.h): a 16-byte little-endian header
 * {type, req_id, tx_id, len} and `len` bytes of payload, len ≤ 4096, both ways.
 */

export const XS_TYPE = {
  CONTROL: 0,
  DIRECTORY: 1,
  READ: 2,
  GET_PERMS: 3,
  WATCH: 4,
  UNWATCH: 5,
  TRANSACTION_START: 6,
  TRANSACTION_END: 7,
  GET_DOMAIN_PATH: 10,
  WRITE: 11,
  MKDIR: 12,
  RM: 13,
  SET_PERMS: 14,
  WATCH_EVENT: 15,
  ERROR: 16,
  // The rest, numbered as in xs_wire.h (20, once XS_RESTRICT, is gone; DIRECTORY_PART is xenstored ≥ 4.9).
  INTRODUCE: 8,
  RELEASE: 9,
  IS_DOMAIN_INTRODUCED: 17,
  RESUME: 18,
  SET_TARGET: 19,
  RESET_WATCHES: 21,
  DIRECTORY_PART: 22,
} as const;

export const HEADER_SIZE = 16;
export const MAX_PAYLOAD = 4096;

export interface Frame {
  type: number;
  reqId: number;
  txId: number;
  payload: Uint8Array;
}

export class WireError extends Error {}

export function encodeFrame(frame: Frame): Uint8Array {
  if (frame.payload.length > MAX_PAYLOAD) throw new WireError(`payload of ${frame.payload.length} bytes is over the ${MAX_PAYLOAD}-byte limit`);
  const bytes = new Uint8Array(HEADER_SIZE + frame.payload.length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, frame.type, true);
  view.setUint32(4, frame.reqId, true);
  view.setUint32(8, frame.txId, true);
  view.setUint32(12, frame.payload.length, true);
  bytes.set(frame.payload, HEADER_SIZE);
  return bytes;
}

/** Collects stream chunks and yields whole frames; a header announcing > 4096 bytes is an error. */
export class FrameReader {
  #buffer = new Uint8Array(0);

  push(chunk: Uint8Array): void {
    const joined = new Uint8Array(this.#buffer.length + chunk.length);
    joined.set(this.#buffer);
    joined.set(chunk, this.#buffer.length);
    this.#buffer = joined;
  }

  next(): Frame | null {
    if (this.#buffer.length < HEADER_SIZE) return null;
    const view = new DataView(this.#buffer.buffer, this.#buffer.byteOffset, HEADER_SIZE);
    const len = view.getUint32(12, true);
    if (len > MAX_PAYLOAD) throw new WireError(`frame announces ${len} bytes, over the ${MAX_PAYLOAD}-byte limit`);
    if (this.#buffer.length < HEADER_SIZE + len) return null;
    const frame = {
      type: view.getUint32(0, true),
      reqId: view.getUint32(4, true),
      txId: view.getUint32(8, true),
      payload: this.#buffer.slice(HEADER_SIZE, HEADER_SIZE + len),
    };
    this.#buffer = this.#buffer.slice(HEADER_SIZE + len);
    return frame;
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Payload fields are NUL-terminated strings. */
export function pathPayload(...fields: string[]): Uint8Array {
  return encoder.encode(fields.map((f) => `${f}\0`).join(""));
}

/** `a\0b\0` → ["a", "b"]; DIRECTORY replies and error names look like this. */
export function splitNul(payload: Uint8Array): string[] {
  const text = decoder.decode(payload);
  return text.split("\0").filter((s, i, all) => s !== "" || i < all.length - 1);
}
