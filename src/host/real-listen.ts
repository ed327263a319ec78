import { chmodSync, lstatSync, mkdirSync, unlinkSync } from "node:fs";
import { HostError } from "../errors.ts";
import { socketAnswers } from "./socket-answers.ts";
import { ChunkQueue, type ByteStream } from "./byte-stream.ts";
import { toFsError } from "./fs-error.ts";
import { splitLast } from "./open-file.ts";
import type { Listener, RootedFs } from "./types.ts";

/** Only root may connect: whoever can talk to the agent's socket can run commands as root. */
export const SOCKET_MODE = 0o600;

type Conn = { queue: ChunkQueue; drained: (() => void) | null; gone: boolean };
type Server = ReturnType<typeof Bun.listen<Conn>>;

const codeOf = (error: unknown) => (error as { code?: string }).code;

function bind(hostPath: string, onConnection: (stream: ByteStream) => void, onError: (error: unknown) => void, name: string): Server | "in-use" {
  try {
    return Bun.listen<Conn>({
      unix: hostPath,
      socket: {
        open(socket) {
          const conn: Conn = { queue: new ChunkQueue(), drained: null, gone: false };
          socket.data = conn;
          const stream: ByteStream = {
            async write(data) {
              let rest = data;
              while (rest.length > 0) {
                if (conn.gone) throw new HostError(`write ${name}: connection closed`);
                const n = socket.write(rest);
                if (n < 0) throw new HostError(`write ${name}: connection closed`);
                rest = rest.subarray(n);
                // The kernel's buffer is full: wait for drain (or a close, which ends the loop above).
                if (rest.length > 0) await new Promise<void>((resolve) => (conn.drained = resolve));
              }
            },
            read: (signal) => conn.queue.read(signal),
            close: () => {
              conn.gone = true;
              socket.end();
            },
          };
          try {
            onConnection(stream);
          } catch (error) {
            socket.end();
            onError(error);
          }
        },
        data: (socket, data) => socket.data.queue.push(new Uint8Array(data)),
        drain(socket) {
          const wake = socket.data.drained;
          socket.data.drained = null;
          wake?.();
        },
        end: (socket) => socket.data.queue.end(),
        close(socket, error) {
          socket.data.gone = true;
          socket.data.queue.end(error);
          const wake = socket.data.drained;
          socket.data.drained = null;
          wake?.();
        },
        error: (socket, error) => socket.data.queue.end(error),
      },
    });
  } catch (error) {
    if (codeOf(error) === "EADDRINUSE") return "in-use";
    throw new HostError(`listen ${name}: ${codeOf(error) ?? (error as Error).message}`);
  }
}

/**
 * Listens on a unix socket at a path inside the root: the parent directory is resolved as a chroot
 * would (and made 0755 when missing); a socket file nobody answers on (left by a killed daemon) is
 * replaced; a live socket, or anything that is not a socket, is refused, never deleted. The socket
 * is made 0600 at once after bind. Each accepted connection goes to `onConnection` as a ByteStream;
 * if that throws, the connection is closed and the error goes to `onError`. close() stops accepting,
 * removes the socket file (if it is still ours) and leaves accepted connections open.
 */
export async function listenUnix(
  fs: RootedFs,
  path: string,
  onConnection: (stream: ByteStream) => void,
  onError: (error: unknown) => void,
): Promise<Listener> {
  const { parent, name } = splitLast(path);
  const dir = await fs.realPath(parent);
  const hostPath = `${dir === "/" ? "" : dir}/${name}`;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o755 });
  } catch (error) {
    throw toFsError(error, "listen", path);
  }
  let server = bind(hostPath, onConnection, onError, path);
  if (server === "in-use") {
    const existing = lstatSafe(hostPath);
    if (!existing?.isSocket()) throw new HostError(`listen ${path}: a file that is not a socket is in the way: refused to delete it`);
    if (await socketAnswers(hostPath)) throw new HostError(`listen ${path}: another process is listening there`);
    try {
      unlinkSync(hostPath);
    } catch (error) {
      if (codeOf(error) !== "ENOENT") throw toFsError(error, "listen", path);
    }
    server = bind(hostPath, onConnection, onError, path);
    if (server === "in-use") throw new HostError(`listen ${path}: taken by another process just now`);
  }
  const bound = server;
  let ino: number | bigint;
  try {
    chmodSync(hostPath, SOCKET_MODE);
    ino = lstatSync(hostPath).ino;
  } catch (error) {
    bound.stop(true);
    throw toFsError(error, "listen", path);
  }
  let open = true;
  return {
    close() {
      if (!open) return;
      open = false;
      bound.stop(false);
      // Bun unlinks the file itself on stop; a file that is someone else's by now is left alone.
      if (lstatSafe(hostPath)?.ino === ino) {
        try {
          unlinkSync(hostPath);
        } catch {
          // gone in between: nothing to remove
        }
      }
    },
  };
}

function lstatSafe(hostPath: string) {
  try {
    return lstatSync(hostPath);
  } catch {
    return null;
  }
}
