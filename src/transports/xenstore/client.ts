import type { ByteStream } from "../../host/types.ts";
import { FrameReader, pathPayload, splitNul, WireError, XS_TYPE, encodeFrame, type Frame } from "./wire.ts";

/** An error reply from xenstored: its payload is an errno name such as ENOENT or EACCES. */
export class XenstoreError extends Error {
  constructor(
    readonly errno: string,
    readonly path: string,
  ) {
    super(`xenstore ${path}: ${errno}`);
  }
}

export interface WatchEvent {
  path: string;
  token: string;
}

/** Per request: inside which transaction, and the caller's cancellation. A bare signal is accepted too. */
export type RequestOptions = { txId?: number; signal?: AbortSignal } | AbortSignal | undefined;

function optionsOf(options: RequestOptions): { txId?: number; signal?: AbortSignal } {
  return options instanceof AbortSignal ? { signal: options } : (options ?? {});
}

interface Pending {
  reqId: number;
  type: number;
  path: string;
  resolve(frame: Frame): void;
  reject(error: unknown): void;
  /** The caller gave up (its signal aborted); the reply still holds its place in the order. */
  abandoned: boolean;
}

/** How often a transaction is tried again when xenstored answers EAGAIN (another writer got there first). */
const TRANSACTION_TRIES = 16;

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/**
 * A XenStore client over one connection. A pump reads every frame: watch events go to a queue,
 * replies to the request that asked. Old kernels' xenbus devices send replies with a wrong req_id
 * and watch events at any time, so a type-15 frame is always an event and a reply whose id matches
 * no request is taken as the oldest one's (xenstored answers one connection's requests in order).
 */
export class XenstoreClient {
  readonly #stream: ByteStream;
  readonly #frames = new FrameReader();
  readonly #pending: Pending[] = [];
  readonly #events: WatchEvent[] = [];
  #eventWaiter: (() => void) | null = null;
  #nextId = 1;
  #closed: Error | null = null;
  /** Watches registered (or being registered): while there are any, events may come at any time. */
  #watches = 0;
  #reading = false;

  constructor(stream: ByteStream) {
    this.#stream = stream;
  }

  /** Set once the connection is gone (xenstored closed it, a frame broke the protocol, close()). */
  get closed(): Error | null {
    return this.#closed;
  }

  /**
   * Reads only while something is awaited: a reply, or events for a watch. A read on a device
   * (xenbus) blocks in the kernel and closing the file does not wake it, so a client that is done
   * must have no read outstanding, or the process could never exit.
   */
  #wantsRead(): boolean {
    return this.#closed === null && (this.#watches > 0 || this.#pending.some((p) => !p.abandoned));
  }

  #kick(): void {
    if (this.#reading || !this.#wantsRead()) return;
    this.#reading = true;
    void this.#pump();
  }

  async #pump(): Promise<void> {
    try {
      while (this.#wantsRead()) {
        const chunk = await this.#stream.read();
        if (chunk === null) throw new WireError("xenstored closed the connection");
        this.#frames.push(chunk);
        for (let frame = this.#frames.next(); frame; frame = this.#frames.next()) this.#dispatch(frame);
      }
    } catch (error) {
      this.#shutDown(error instanceof Error ? error : new WireError(String(error)));
    } finally {
      this.#reading = false;
    }
  }

  #dispatch(frame: Frame): void {
    if (frame.type === XS_TYPE.WATCH_EVENT) {
      const [path, token] = splitNul(frame.payload);
      if (path === undefined || token === undefined) return;
      this.#events.push({ path, token });
      const waiter = this.#eventWaiter;
      this.#eventWaiter = null;
      waiter?.();
      return;
    }
    const at = this.#pending.findIndex((p) => p.reqId === frame.reqId);
    const [pending] = this.#pending.splice(at >= 0 ? at : 0, 1);
    if (!pending) return; // A reply nobody asked for: xenstored's, not ours, to explain.
    if (pending.abandoned) return;
    pending.resolve(frame);
  }

  #shutDown(error: Error): void {
    if (this.#closed) return;
    this.#closed = error;
    for (const p of this.#pending.splice(0)) p.reject(error);
    this.#eventWaiter?.();
    this.#eventWaiter = null;
    this.#stream.close();
  }

  async #request(type: number, path: string, payload: Uint8Array, requestOptions?: RequestOptions): Promise<Uint8Array> {
    const { txId = 0, signal } = optionsOf(requestOptions);
    if (this.#closed) throw this.#closed;
    signal?.throwIfAborted();
    const reqId = this.#nextId++;
    // Checked before sending: an oversized frame would make xenstored drop the whole connection.
    const bytes = encodeFrame({ type, reqId, txId, payload });
    const reply = new Promise<Frame>((resolve, reject) => {
      const onAbort = () => {
        pending.abandoned = true;
        reject(signal?.reason);
      };
      // The daemon passes one long-lived signal to every request: a listener must not outlive its request.
      const settle = <A>(fn: (a: A) => void) => (a: A) => {
        signal?.removeEventListener("abort", onAbort);
        fn(a);
      };
      const pending: Pending = { reqId, type, path, resolve: settle(resolve), reject: settle(reject), abandoned: false };
      this.#pending.push(pending);
      this.#kick();
      signal?.addEventListener("abort", onAbort, { once: true });
    });
    // When the write fails the caller gets that error, and this reply is rejected later (once the
    // pump sees the connection closed) with nobody waiting: an unhandled rejection ends the process.
    reply.catch(() => {});
    await this.#stream.write(bytes);
    const frame = await reply;
    if (frame.type === XS_TYPE.ERROR) throw new XenstoreError(splitNul(frame.payload)[0] ?? "EIO", path);
    if (frame.type !== type) throw new WireError(`reply of type ${frame.type} to a request of type ${type} (${path})`);
    return frame.payload;
  }

  async read(path: string, options?: RequestOptions): Promise<string> {
    return decoder.decode(await this.#request(XS_TYPE.READ, path, pathPayload(path), options));
  }

  /** The value, or undefined when the node does not exist. */
  async readIfExists(path: string, options?: RequestOptions): Promise<string | undefined> {
    try {
      return await this.read(path, options);
    } catch (error) {
      if (error instanceof XenstoreError && error.errno === "ENOENT") return undefined;
      throw error;
    }
  }

  async directory(path: string, options?: RequestOptions): Promise<string[]> {
    return splitNul(await this.#request(XS_TYPE.DIRECTORY, path, pathPayload(path), options));
  }

  /** WRITE's payload is the path, a NUL, and the value with no terminator. */
  async write(path: string, value: string, options?: RequestOptions): Promise<void> {
    const head = encoder.encode(`${path}\0`);
    const body = encoder.encode(value);
    const payload = new Uint8Array(head.length + body.length);
    payload.set(head);
    payload.set(body, head.length);
    await this.#request(XS_TYPE.WRITE, path, payload, options);
  }

  async mkdir(path: string, options?: RequestOptions): Promise<void> {
    await this.#request(XS_TYPE.MKDIR, path, pathPayload(path), options);
  }

  /** Removes a node and everything below it. */
  async rm(path: string, options?: RequestOptions): Promise<void> {
    await this.#request(XS_TYPE.RM, path, pathPayload(path), options);
  }

  /**
   * Runs `body` in a transaction and commits it; when xenstored says EAGAIN (a conflicting write
   * happened meanwhile) the whole body runs again on a fresh transaction, as xs.h prescribes.
   */
  async transaction<T>(body: (txId: number) => Promise<T>, options: { signal?: AbortSignal } = {}): Promise<T> {
    const { signal } = options;
    for (let attempt = 1; ; attempt++) {
      const txId = Number(decoder.decode(await this.#request(XS_TYPE.TRANSACTION_START, "(transaction)", pathPayload(""), options)).replace(/\0$/, ""));
      if (!Number.isInteger(txId) || txId <= 0) throw new WireError(`TRANSACTION_START answered ${txId}, not a transaction id`);
      let result: T;
      try {
        result = await body(txId);
      } catch (error) {
        // The abort is sent but not waited for: the body may have failed because the caller gave
        // up (its signal) or xenstored stopped answering, and neither may hold this call. The
        // request is abandoned at once, so its reply, whenever it comes, is matched and dropped.
        const abandon = new AbortController();
        const ending = this.#request(XS_TYPE.TRANSACTION_END, "(transaction)", pathPayload("F"), { txId, signal: abandon.signal });
        abandon.abort();
        await ending.catch(() => undefined);
        throw error;
      }
      try {
        await this.#request(XS_TYPE.TRANSACTION_END, "(transaction)", pathPayload("T"), { signal, txId });
        return result;
      } catch (error) {
        if (!(error instanceof XenstoreError && error.errno === "EAGAIN") || attempt >= TRANSACTION_TRIES) throw error;
      }
    }
  }

  /** xenstored answers OK and then fires the watch once at once, so a watcher always starts with a look. */
  /**
   * Counted before the request goes out: xenstored sends the first event right behind the reply,
   * and the reader must still be reading when it comes.
   */
  async watch(path: string, token: string, options?: RequestOptions): Promise<void> {
    this.#watches++;
    try {
      await this.#request(XS_TYPE.WATCH, path, pathPayload(path, token), options);
    } catch (error) {
      this.#watches--;
      throw error;
    }
  }

  async unwatch(path: string, token: string, options?: RequestOptions): Promise<void> {
    await this.#request(XS_TYPE.UNWATCH, path, pathPayload(path, token), options);
    this.#watches = Math.max(0, this.#watches - 1);
  }

  /** The next watch event; null once the connection is closed. Rejects when `signal` aborts. */
  async nextEvent(signal?: AbortSignal): Promise<WatchEvent | null> {
    while (this.#events.length === 0) {
      if (this.#closed) return null;
      signal?.throwIfAborted();
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => reject(signal?.reason);
        signal?.addEventListener("abort", onAbort, { once: true });
        this.#eventWaiter = () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        };
      });
    }
    return this.#events.shift() ?? null;
  }

  close(): void {
    this.#shutDown(new WireError("connection closed"));
  }
}
