/** A bidirectional byte channel: a unix socket or a character device (xenbus, a virtio port). */
export interface ByteStream {
  write(data: Uint8Array): Promise<void>;
  /** The next chunk, or null at end of stream. Rejects when `signal` aborts. */
  read(signal?: AbortSignal): Promise<Uint8Array | null>;
  close(): void;
}

/**
 * Turns pushed chunks (socket callbacks) into pulled reads, so protocol code can be written as
 * plain `await stream.read()` loops.
 */
export class ChunkQueue {
  readonly #chunks: Uint8Array[] = [];
  #ended = false;
  #error: unknown = null;
  #waiter: (() => void) | null = null;

  push(chunk: Uint8Array): void {
    this.#chunks.push(chunk);
    this.#wake();
  }
  end(error?: unknown): void {
    this.#ended = true;
    if (error) this.#error = error;
    this.#wake();
  }
  #wake(): void {
    const waiter = this.#waiter;
    this.#waiter = null;
    waiter?.();
  }

  async read(signal?: AbortSignal): Promise<Uint8Array | null> {
    while (this.#chunks.length === 0 && !this.#ended) {
      signal?.throwIfAborted();
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => reject(signal?.reason);
        signal?.addEventListener("abort", onAbort, { once: true });
        this.#waiter = () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        };
      });
    }
    const chunk = this.#chunks.shift();
    if (chunk) return chunk;
    if (this.#error) throw this.#error;
    return null;
  }
}
