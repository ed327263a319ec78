import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeFrame, FrameReader, pathPayload, XS_TYPE, type Frame } from "../../src/transports/xenstore/wire.ts";
import { startDevXenstored, type DevXenstored, type DevXenstoredOptions } from "../../scripts/xenstored/server.ts";

export { startDevXenstored, XenStoreTree, type DevXenstored, type DevXenstoredOptions } from "../../scripts/xenstored/server.ts";

export interface TestXenstored extends DevXenstored {
  /** The temp directory holding both sockets; removed by stop(). */
  dir: string;
  /** Environment that points the xenstore-* tools (and pyxs) at dom0's socket, or the guest's. */
  env(as?: "dom0" | "guest"): Record<string, string>;
}

/** A dev xenstored in-process, on sockets in a fresh temp dir; domid 7 unless told otherwise. */
export async function startTestXenstored(options: Partial<Omit<DevXenstoredOptions, "socket" | "guestSocket">> = {}): Promise<TestXenstored> {
  const dir = mkdtempSync(join(tmpdir(), "tether-xs-"));
  const daemon = await startDevXenstored({ domid: 7, ...options, socket: join(dir, "host.sock"), guestSocket: join(dir, "guest.sock") });
  return {
    ...daemon,
    dir,
    env: (as = "dom0") => ({ XENSTORED_PATH: as === "dom0" ? daemon.socket : daemon.guestSocket }),
    async stop() {
      await daemon.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const decoder = new TextDecoder();

/** A reply or event payload as text, NULs shown as `|`: short to assert on. */
export function show(frame: Frame): string {
  return decoder.decode(frame.payload).replaceAll("\0", "|");
}

/**
 * A bare XenStore connection speaking our own framing (wire.ts), for what the real clients cannot
 * send: oversized headers, odd req_ids, hand-made transactions. Frames queue until taken.
 */
export class RawXsConnection {
  readonly #frames = new FrameReader();
  readonly #queue: Frame[] = [];
  #wake: (() => void) | null = null;
  #socket: Awaited<ReturnType<typeof Bun.connect>> | null = null;
  #nextReqId = 1;
  /** Resolves when the daemon (or we) closed the connection. */
  readonly closed: Promise<void>;
  #closedNow = false;
  #markClosed!: () => void;

  private constructor() {
    this.closed = new Promise((resolve) => (this.#markClosed = resolve));
  }

  static async connect(path: string): Promise<RawXsConnection> {
    const raw = new RawXsConnection();
    raw.#socket = await Bun.connect({
      unix: path,
      socket: {
        data: (_socket, chunk) => {
          raw.#frames.push(new Uint8Array(chunk));
          for (let f = raw.#frames.next(); f; f = raw.#frames.next()) raw.#queue.push(f);
          raw.#wake?.();
        },
        close: () => raw.#onClose(),
        end: () => raw.#onClose(),
        error: () => raw.#onClose(),
      },
    });
    return raw;
  }

  get isClosed(): boolean {
    return this.#closedNow;
  }

  /** Sends bytes as they are (e.g. a hand-made header). */
  sendRaw(bytes: Uint8Array): void {
    this.#socket?.write(bytes);
  }

  send(type: number, payload: Uint8Array, options: { txId?: number; reqId?: number } = {}): number {
    const reqId = options.reqId ?? this.#nextReqId++;
    this.sendRaw(encodeFrame({ type, reqId, txId: options.txId ?? 0, payload }));
    return reqId;
  }

  /** The next frame of any kind, in arrival order. */
  async next(timeoutMs = 2000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const frame = this.#queue.shift();
      if (frame) return frame;
      if (this.#closedNow) throw new Error("connection closed");
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no frame within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = null;
    }
  }

  /** Sends a request and returns the next non-event frame (events that came first stay queued). */
  async request(type: number, fields: string[] | Uint8Array, options: { txId?: number; reqId?: number } = {}): Promise<Frame> {
    this.send(type, fields instanceof Uint8Array ? fields : pathPayload(...fields), options);
    const skipped: Frame[] = [];
    try {
      for (;;) {
        const frame = await this.next();
        if (frame.type !== XS_TYPE.WATCH_EVENT) return frame;
        skipped.push(frame);
      }
    } finally {
      this.#queue.unshift(...skipped);
    }
  }

  /** The next watch event as `path|token`. */
  async event(timeoutMs = 2000): Promise<string> {
    const frame = await this.next(timeoutMs);
    if (frame.type !== XS_TYPE.WATCH_EVENT) throw new Error(`expected a watch event, got type ${frame.type}: ${show(frame)}`);
    return show(frame).replace(/\|$/, "");
  }

  /** Every frame that arrives within `ms`. */
  async drain(ms = 50): Promise<Frame[]> {
    await Bun.sleep(ms);
    return this.#queue.splice(0);
  }

  close(): void {
    this.#socket?.end();
    this.#onClose();
  }

  #onClose(): void {
    if (this.#closedNow) return;
    this.#closedNow = true;
    this.#markClosed();
    this.#wake?.();
  }
}
