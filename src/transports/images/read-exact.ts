import type { BlockSource } from "./block-source.ts";
import { imageError } from "./image-error.ts";

/** No single structure or file is read larger than this: the sizes come from the image itself. */
export const MAX_READ_BYTES = 256 << 20;

/**
 * Big reads go in pieces, so a lying size on a short image fails at the first short piece instead
 * of after allocating all it claims.
 */
const CHUNK_BYTES = 1 << 20;

/** What is being read, for the error: the path inside the image (if any) and the structure. */
export interface ReadWhat {
  inside?: string;
  structure: string;
}

/** Exactly `length` bytes at `offset`, or an InputError saying where the image ends. */
export async function readExact(src: BlockSource, offset: number, length: number, what: ReadWhat): Promise<Uint8Array> {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
    throw imageError(src.name, what.inside, what.structure, `impossible location: ${length} bytes at byte ${offset}`);
  }
  if (length > MAX_READ_BYTES) {
    throw imageError(src.name, what.inside, what.structure, `${length} bytes is over the limit of ${MAX_READ_BYTES} bytes`);
  }
  const pieces: Uint8Array[] = [];
  for (let done = 0; done < length; ) {
    const want = Math.min(CHUNK_BYTES, length - done);
    const got = await src.read(offset + done, want);
    if (got.length < want) {
      throw imageError(
        src.name,
        what.inside,
        what.structure,
        `truncated: the image ends at byte ${offset + done + got.length} but the ${what.structure} extends to ${offset + length}`,
      );
    }
    pieces.push(got.length === want ? got : got.subarray(0, want));
    done += want;
  }
  if (pieces.length === 1) return pieces[0]!;
  const out = new Uint8Array(length);
  let at = 0;
  for (const piece of pieces) {
    out.set(piece, at);
    at += piece.length;
  }
  return out;
}

/** Up to `length` bytes at `offset`: for the probe, where a short device is an answer, not an error. */
export async function readUpTo(src: BlockSource, offset: number, length: number): Promise<Uint8Array> {
  const got = await src.read(offset, length);
  return got.length > length ? got.subarray(0, length) : got;
}
