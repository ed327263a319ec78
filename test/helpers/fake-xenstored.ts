import { FrameReader, encodeFrame, XS_TYPE, type Frame } from "../../src/transports/xenstore/wire.ts";

/**
 * A tiny xenstored for the probe's tests: answers DIRECTORY and READ from a table of nodes over a
 * unix socket. (The full dev xenstored, checked against the real xenstore-* tools, is issue #8.)
 */
export interface FakeXenstored {
  path: string;
  requests: Frame[];
  stop(): void;
}

const encoder = new TextEncoder();

export function reply(request: Frame, nodes: Record<string, string>): Frame {
  const path = new TextDecoder().decode(request.payload).replace(/\0$/, "");
  const error = (errno: string) => ({ ...request, type: XS_TYPE.ERROR, payload: encoder.encode(`${errno}\0`) });
  if (request.type === XS_TYPE.READ) {
    return path in nodes ? { ...request, payload: encoder.encode(nodes[path]) } : error("ENOENT");
  }
  if (request.type === XS_TYPE.DIRECTORY) {
    const prefix = `${path}/`;
    const children = [...new Set(Object.keys(nodes).filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length).split("/")[0]))];
    if (!children.length && !(path in nodes)) return error("ENOENT");
    return { ...request, payload: encoder.encode(children.map((c) => `${c}\0`).join("")) };
  }
  return error("EINVAL");
}

function refused(request: Frame, errors: Record<string, string> = {}): Frame | undefined {
  const errno = errors[new TextDecoder().decode(request.payload).split("\0")[0] ?? ""];
  return errno ? { ...request, type: XS_TYPE.ERROR, payload: encoder.encode(`${errno}\0`) } : undefined;
}

export interface FakeXenstoredOptions {
  /** Answers nothing at all: a xenstored that is stuck. */
  silent?: boolean;
  /** Answers this many requests, then nothing more: a xenstored that stops answering mid-read. */
  answers?: number;
  /** Paths whose every request is refused with this errno (EACCES: a node the guest may not read). */
  errors?: Record<string, string>;
}

export function startFakeXenstored(path: string, nodes: Record<string, string>, options: FakeXenstoredOptions = {}): FakeXenstored {
  const requests: Frame[] = [];
  const server = Bun.listen<{ frames: FrameReader }>({
    unix: path,
    socket: {
      open(socket) {
        socket.data = { frames: new FrameReader() };
      },
      data(socket, chunk) {
        socket.data.frames.push(new Uint8Array(chunk));
        for (let frame = socket.data.frames.next(); frame; frame = socket.data.frames.next()) {
          requests.push(frame);
          const answering = !options.silent && (options.answers === undefined || requests.length <= options.answers);
          if (answering) socket.write(encodeFrame(refused(frame, options.errors) ?? reply(frame, nodes)));
        }
      },
    },
  });
  return { path, requests, stop: () => server.stop(true) };
}
