import * as fsp from "node:fs/promises";
import { HostError } from "../errors.ts";
import { ChunkQueue, type ByteStream } from "./byte-stream.ts";

/** Connects to a unix socket at a host path. */
export async function connectUnix(hostPath: string, name: string): Promise<ByteStream> {
  const queue = new ChunkQueue();
  let socket: Awaited<ReturnType<typeof Bun.connect>>;
  try {
    socket = await Bun.connect({
      unix: hostPath,
      socket: {
        data: (_s, data) => queue.push(new Uint8Array(data)),
        close: () => queue.end(),
        end: () => queue.end(),
        error: (_s, error) => queue.end(error),
      },
    });
  } catch (error) {
    throw new HostError(`connect ${name}: ${(error as { code?: string }).code ?? (error as Error).message}`);
  }
  return {
    async write(data) {
      let rest = data;
      // Bun's socket.write may take part of the buffer when the kernel's is full.
      while (rest.length > 0) {
        const n = socket.write(rest);
        if (n < 0) throw new HostError(`write ${name}: socket closed`);
        rest = rest.subarray(n);
        if (rest.length > 0) await Bun.sleep(1);
      }
    },
    read: (signal) => queue.read(signal),
    close: () => socket.end(),
  };
}

/** Opens a character device read-write (xenbus, a virtio-serial port): reads block until data comes. */
export async function openDevice(hostPath: string, name: string): Promise<ByteStream> {
  let handle: fsp.FileHandle;
  try {
    handle = await fsp.open(hostPath, "r+");
  } catch (error) {
    throw new HostError(`open ${name}: ${(error as { code?: string }).code ?? (error as Error).message}`);
  }
  const buffer = new Uint8Array(65536);
  return {
    async write(data) {
      await handle.write(data);
    },
    async read(signal) {
      signal?.throwIfAborted();
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      return bytesRead === 0 ? null : buffer.slice(0, bytesRead);
    },
    close: () => void handle.close(),
  };
}
