import { connectUnix } from "../../src/host/real-stream.ts";

/**
 * A host's side of the QEMU guest agent protocol over a unix socket, as libvirt and Proxmox speak
 * it: raw writes, and replies read as lines (a guest-sync-delimited reply starts with 0xFF).
 */
export interface QgaClient {
  /** Sends bytes or text as they are. */
  send(data: string | Uint8Array): void;
  /** The next reply line, without its "\n"; rejects after `ms`. */
  line(ms?: number): Promise<string>;
  /** Sends one request and parses the reply line. */
  call(execute: string, args?: unknown, id?: unknown): Promise<Record<string, unknown>>;
  close(): void;
}

export async function connectQga(path: string): Promise<QgaClient> {
  const lines: string[] = [];
  let partial = new Uint8Array(0);
  let wake = null as (() => void) | null;
  // Our own stream: its write loops until the kernel took every byte (a bare socket.write may take part).
  const stream = await connectUnix(path, path);
  void (async () => {
    for (let chunk = await stream.read().catch(() => null); chunk; chunk = await stream.read().catch(() => null)) {
      const joined = new Uint8Array(partial.length + chunk.length);
      joined.set(partial);
      joined.set(chunk, partial.length);
      let start = 0;
      for (let i = 0; i < joined.length; i++) {
        if (joined[i] === 0x0a) {
          // latin1 keeps the 0xFF byte visible as "\xff"; replies are otherwise ASCII JSON with \u escapes.
          lines.push(Buffer.from(joined.subarray(start, i)).toString("latin1"));
          start = i + 1;
        }
      }
      partial = joined.slice(start);
      wake?.();
    }
  })();
  async function line(ms = 10_000): Promise<string> {
    const deadline = Date.now() + ms;
    while (lines.length === 0) {
      if (Date.now() > deadline) throw new Error(`no reply line within ${ms} ms`);
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 50);
      });
    }
    return lines.shift() as string;
  }
  let sending = Promise.resolve();
  const send = (data: string | Uint8Array) => {
    const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
    sending = sending.then(() => stream.write(bytes)).catch(() => undefined);
  };
  return {
    send,
    line,
    async call(execute, args, id) {
      send(JSON.stringify({ execute, ...(args === undefined ? {} : { arguments: args }), ...(id === undefined ? {} : { id }) }));
      return JSON.parse(Buffer.from(await line(), "latin1").toString("utf8").replace(/^\xff/, ""));
    },
    close: () => stream.close(),
  };
}
