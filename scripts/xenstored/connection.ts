import type { Socket } from "bun";
import { encodeFrame, FrameReader, pathPayload, WireError, XS_TYPE, type Frame } from "../../src/transports/xenstore/wire.ts";
import { answer, type Session } from "./requests.ts";
import type { WatchOwner } from "./watches.ts";

export interface ConnectionData {
  connection?: Connection;
}

export interface ConnectionOptions {
  /** Mimic old kernels' xenbus device: replies with req_id 0, events with a stale req_id. */
  quirkReqId: boolean;
  /** Called once, however the connection ended, so the daemon can forget it. */
  onClose(connection: Connection): void;
  onRequest?(frame: Frame): void;
}

/**
 * One client: frames in, replies and watch events out, in order. Requests are answered one by one
 * as they arrive, so replies keep the requests' order (clients may match on that alone).
 */
export class Connection implements WatchOwner {
  readonly #socket: Socket<ConnectionData>;
  readonly #options: ConnectionOptions;
  readonly #frames = new FrameReader();
  #outbox: Uint8Array[] = [];
  /** Events raised while a request is being answered wait here, to go out after its reply. */
  #held: Uint8Array[] | null = null;
  #lastReqId = 0;
  #closed = false;
  readonly session: Session;

  constructor(socket: Socket<ConnectionData>, options: ConnectionOptions, makeSession: (owner: WatchOwner) => Session) {
    this.#socket = socket;
    this.#options = options;
    this.session = makeSession(this);
  }

  get closed(): boolean {
    return this.#closed;
  }

  receive(chunk: Uint8Array): void {
    if (this.#closed) return;
    this.#frames.push(chunk);
    for (;;) {
      let frame;
      try {
        frame = this.#frames.next();
      } catch (error) {
        // A header announcing more than 4096 bytes: xenstored treats the client as broken and drops it.
        if (error instanceof WireError) return this.close();
        throw error;
      }
      if (!frame) return;
      this.#lastReqId = frame.reqId;
      this.#options.onRequest?.(frame);
      this.#held = [];
      let reply;
      try {
        reply = answer(this.session, frame);
      } catch (error) {
        // A bug here must not take the daemon (and every other client) down: this client gets EIO.
        process.stderr.write(`dev-xenstored: request type ${frame.type} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
        reply = { type: XS_TYPE.ERROR, payload: pathPayload("EIO") };
      }
      const held = this.#held;
      this.#held = null;
      const reqId = this.#options.quirkReqId ? 0 : frame.reqId;
      this.#send(encodeFrame({ type: reply.type, reqId, txId: frame.txId, payload: reply.payload }));
      for (const event of held) this.#send(event);
    }
  }

  deliver(path: string, token: string): void {
    if (this.#closed) return;
    // With the quirk, an event carries the id of the request in flight, to trip clients that match ids only.
    const reqId = this.#options.quirkReqId ? this.#lastReqId : 0;
    const event = encodeFrame({ type: XS_TYPE.WATCH_EVENT, reqId, txId: 0, payload: pathPayload(path, token) });
    if (this.#held) this.#held.push(event);
    else this.#send(event);
  }

  /** The socket can take more: send what waited. */
  drain(): void {
    while (this.#outbox.length > 0 && !this.#closed) {
      const head = this.#outbox[0] as Uint8Array;
      const written = this.#socket.write(head);
      if (written < head.length) {
        this.#outbox[0] = head.subarray(Math.max(written, 0));
        return;
      }
      this.#outbox.shift();
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#outbox = [];
    this.#socket.terminate();
    this.#options.onClose(this);
  }

  /** The peer went away (or the daemon closed it): forget it without touching the socket again. */
  closedByPeer(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#outbox = [];
    this.#options.onClose(this);
  }

  #send(bytes: Uint8Array): void {
    this.#outbox.push(bytes);
    if (this.#outbox.length === 1) this.drain();
  }
}
