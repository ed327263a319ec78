/**
 * A response body read no further than the chunk that passes `maxBytes`: a server has no say over
 * our memory. The caller words the errors: `over` when the limit is passed (the stream is then
 * cancelled), `broke` when the stream fails.
 */
export async function readBounded(
  stream: ReadableStream<Uint8Array> | null | undefined,
  maxBytes: number,
  errors: { over(total: number): Error; broke(error: unknown): Error },
): Promise<Uint8Array> {
  if (!stream) return new Uint8Array(0);
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    let chunk: Awaited<ReturnType<typeof reader.read>>;
    try {
      chunk = await reader.read();
    } catch (error) {
      throw errors.broke(error);
    }
    if (chunk.done) break;
    total += chunk.value.length;
    if (total > maxBytes) {
      void reader.cancel().catch(() => {});
      throw errors.over(total);
    }
    chunks.push(chunk.value);
  }
  const body = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    body.set(c, at);
    at += c.length;
  }
  return body;
}
