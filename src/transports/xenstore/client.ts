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

/**
 * A XenStore client over one connection, one request at a time. Old kernels' xenbus devices send
 * replies with a wrong req_id and watch events at any time, so an event is never taken for a reply
 * and a reply is matched by order when its id does not match.
 */
export class XenstoreClient {
  readonly #stream: ByteStream;
  readonly #frames = new FrameReader();
  #nextId = 1;

  constructor(stream: ByteStream) {
    this.#stream = stream;
  }

  async #request(type: number, path: string, payload: Uint8Array, signal?: AbortSignal): Promise<Uint8Array> {
    const reqId = this.#nextId++;
    await this.#stream.write(encodeFrame({ type, reqId, txId: 0, payload }));
    for (;;) {
      const frame = await this.#nextFrame(signal);
      if (frame.type === XS_TYPE.WATCH_EVENT) continue;
      if (frame.type === XS_TYPE.ERROR) throw new XenstoreError(splitNul(frame.payload)[0] ?? "EIO", path);
      if (frame.type !== type) throw new WireError(`reply of type ${frame.type} to a request of type ${type}`);
      return frame.payload;
    }
  }

  async #nextFrame(signal?: AbortSignal): Promise<Frame> {
    for (;;) {
      const frame = this.#frames.next();
      if (frame) return frame;
      const chunk = await this.#stream.read(signal);
      if (chunk === null) throw new WireError("xenstored closed the connection");
      this.#frames.push(chunk);
    }
  }

  async read(path: string, signal?: AbortSignal): Promise<string> {
    return new TextDecoder().decode(await this.#request(XS_TYPE.READ, path, pathPayload(path), signal));
  }

  async directory(path: string, signal?: AbortSignal): Promise<string[]> {
    return splitNul(await this.#request(XS_TYPE.DIRECTORY, path, pathPayload(path), signal));
  }

  close(): void {
    this.#stream.close();
  }
}
