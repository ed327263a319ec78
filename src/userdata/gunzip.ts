import { InputError } from "../errors.ts";

/** gzip's magic bytes (RFC 1952): cloud-init decompresses any user-data that starts with them. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** How much may still be produced; shared by every decompression of one user-data. */
export interface Budget {
  remaining: number;
}

/**
 * Decompresses through a stream, counting: past the budget it stops and cancels, so a bomb is
 * refused having cost at most the budget in memory, never its full size.
 */
export async function gunzipLimited(bytes: Uint8Array, budget: Budget, source: string, path = ""): Promise<Uint8Array> {
  const limit = budget.remaining;
  const reader = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip")).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > limit) {
        await reader.cancel().catch(() => {});
        throw new InputError(source, [{ path, message: `gzip data expands past the limit of ${limit} bytes: refused (a decompression bomb?)` }]);
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(source, [{ path, message: `invalid gzip data: ${(error as Error).message}` }]);
  }
  budget.remaining -= total;
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}
