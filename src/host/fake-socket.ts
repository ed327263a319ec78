import { HostError } from "../errors.ts";
import { ChunkQueue, type ByteStream } from "./byte-stream.ts";
import { components, joinRoot } from "./resolve-in-root.ts";
import type { Listener } from "./types.ts";

/** One end of an in-memory connection: what it writes, the other end reads. */
function end(inbound: ChunkQueue, outbound: ChunkQueue, state: { closed: boolean }, name: string): ByteStream {
  return {
    async write(data) {
      if (state.closed) throw new HostError(`write ${name}: connection closed`);
      outbound.push(data.slice());
    },
    read: (signal) => inbound.read(signal),
    close() {
      if (state.closed) return;
      state.closed = true;
      inbound.end();
      outbound.end();
    },
  };
}

/** A connected pair of ByteStreams: closing either end closes both, as with a socket. */
export function streamPair(name: string): [ByteStream, ByteStream] {
  const aToB = new ChunkQueue();
  const bToA = new ChunkQueue();
  const state = { closed: false };
  return [end(bToA, aToB, state, name), end(aToB, bToA, state, name)];
}

/** The fake host's unix sockets: listeners by path, and connections to them, all in memory. */
export function createFakeSockets() {
  const listeners = new Map<string, (stream: ByteStream) => void>();
  const key = (path: string) => joinRoot("", components(path).reduce<string[]>((acc, c) => (c === ".." ? acc.slice(0, -1) : [...acc, c]), []));
  return {
    async listen(path: string, onConnection: (stream: ByteStream) => void): Promise<Listener> {
      const at = key(path);
      if (listeners.has(at)) throw new HostError(`listen ${path}: another process is listening there`);
      listeners.set(at, onConnection);
      return { close: () => void (listeners.get(at) === onConnection && listeners.delete(at)) };
    },
    /** The client's end of a new connection; the listener gets the other end before this returns. */
    connect(path: string): ByteStream {
      const onConnection = listeners.get(key(path));
      if (!onConnection) throw new HostError(`connect ${path}: connection refused (nothing listens there)`);
      const [client, server] = streamPair(path);
      onConnection(server);
      return client;
    },
  };
}
