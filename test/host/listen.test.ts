import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HostError } from "../../src/errors.ts";
import { ChunkQueue, type ByteStream } from "../../src/host/byte-stream.ts";
import { createFakeHost } from "../../src/host/fake.ts";
import { createLogger } from "../../src/host/logger.ts";
import { createRealHost } from "../../src/host/real.ts";

const text = (b: Uint8Array | null) => (b === null ? null : new TextDecoder().decode(b));
const bytes = (s: string) => new TextEncoder().encode(s);

const roots: string[] = [];
afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

async function realHost() {
  const root = mkdtempSync(join(tmpdir(), "tether-listen-"));
  roots.push(root);
  const logs: string[] = [];
  const log = createLogger({ level: "error", json: false, write: (line) => void logs.push(line) });
  return { root, logs, host: await createRealHost({ root, log }) };
}

/** A test client on the socket, with Bun's own API: what a host-side peer would be. */
async function client(hostPath: string) {
  const queue = new ChunkQueue();
  const socket = await Bun.connect({
    unix: hostPath,
    socket: { data: (_s, d) => queue.push(new Uint8Array(d)), close: () => queue.end(), end: () => queue.end() },
  });
  return { socket, read: () => queue.read(AbortSignal.timeout(2000)) };
}

/** Reads until `want` bytes have come (or the stream ends). */
async function readAll(read: () => Promise<Uint8Array | null>, want: number): Promise<Uint8Array> {
  const all = new Uint8Array(want);
  let length = 0;
  while (length < want) {
    const chunk = await read();
    if (chunk === null) break;
    all.set(chunk.subarray(0, want - length), length);
    length += chunk.length;
  }
  return all.subarray(0, Math.min(length, want));
}

function nextConnection() {
  const accepted: ByteStream[] = [];
  let wake: (() => void) | null = null;
  return {
    onConnection: (s: ByteStream) => {
      accepted.push(s);
      wake?.();
    },
    async next(): Promise<ByteStream> {
      while (accepted.length === 0) await new Promise<void>((r) => (wake = r));
      return accepted.shift() as ByteStream;
    },
  };
}

describe("real listen", () => {
  test("bytes both ways; the parent is made 0755; the socket is 0600; reads end with null when the peer closes", async () => {
    const { root, host } = await realHost();
    const conns = nextConnection();
    const listener = await host.listen("/run/tether/qga.sock", conns.onConnection);
    const hostPath = join(root, "run/tether/qga.sock");
    expect(lstatSync(hostPath).isSocket()).toBe(true);
    expect(lstatSync(hostPath).mode & 0o777).toBe(0o600);
    expect(statSync(join(root, "run/tether")).mode & 0o777).toBe(0o755);
    const peer = await client(hostPath);
    const server = await conns.next();
    peer.socket.write('{"execute":"guest-ping"}\n');
    expect(text(await server.read(AbortSignal.timeout(2000)))).toBe('{"execute":"guest-ping"}\n');
    await server.write(bytes('{"return":{}}\n'));
    expect(text(await peer.read())).toBe('{"return":{}}\n');
    peer.socket.end();
    expect(await server.read(AbortSignal.timeout(2000))).toBeNull();
    listener.close();
  });

  test("a large write arrives whole (partial socket writes are resumed)", async () => {
    const { root, host } = await realHost();
    const conns = nextConnection();
    const listener = await host.listen("/big.sock", conns.onConnection);
    const peer = await client(join(root, "big.sock"));
    const server = await conns.next();
    const big = new Uint8Array(1024 * 1024).map((_, i) => i % 251);
    const [, got] = await Promise.all([server.write(big), readAll(peer.read, big.length)]);
    expect(got.length).toBe(big.length);
    expect(got).toEqual(big);
    server.close();
    expect(await peer.read()).toBeNull();
    listener.close();
  });

  test("close removes the socket file and stops accepting, but leaves accepted connections open", async () => {
    const { root, host } = await realHost();
    const conns = nextConnection();
    const listener = await host.listen("/s.sock", conns.onConnection);
    const hostPath = join(root, "s.sock");
    const peer = await client(hostPath);
    const server = await conns.next();
    listener.close();
    listener.close();
    expect(existsSync(hostPath)).toBe(false);
    await expect(Bun.connect({ unix: hostPath, socket: { data() {} } })).rejects.toThrow();
    await server.write(bytes("still here"));
    expect(text(await peer.read())).toBe("still here");
    peer.socket.write("and back");
    expect(text(await server.read(AbortSignal.timeout(2000)))).toBe("and back");
    server.close();
  });

  test("a stale socket file (nobody listening) is replaced", async () => {
    const { root, host } = await realHost();
    const hostPath = join(root, "stale.sock");
    // A listener that goes away without removing its file, as a daemon killed with -9 would.
    const script = `const s = Bun.listen({ unix: ${JSON.stringify(hostPath)}, socket: { data() {} } }); process.kill(process.pid, "SIGKILL");`;
    Bun.spawnSync([process.execPath, "-e", script]);
    expect(lstatSync(hostPath).isSocket()).toBe(true);
    const conns = nextConnection();
    const listener = await host.listen("/stale.sock", conns.onConnection);
    const peer = await client(hostPath);
    const server = await conns.next();
    peer.socket.write("hello");
    expect(text(await server.read(AbortSignal.timeout(2000)))).toBe("hello");
    expect(lstatSync(hostPath).mode & 0o777).toBe(0o600);
    listener.close();
  });

  test("a live socket, a regular file or a symlink in the way is refused and left alone", async () => {
    const { root, host } = await realHost();
    const first = await host.listen("/live.sock", () => {});
    await expect(host.listen("/live.sock", () => {})).rejects.toThrow("another process is listening there");
    expect(lstatSync(join(root, "live.sock")).isSocket()).toBe(true);
    first.close();
    writeFileSync(join(root, "file.sock"), "data");
    const error = await host.listen("/file.sock", () => {}).catch((e) => e);
    expect(error).toBeInstanceOf(HostError);
    expect(error.message).toContain("not a socket");
    expect(readFileSync(join(root, "file.sock"), "utf8")).toBe("data");
    writeFileSync(join(root, "target"), "keep");
    symlinkSync("/target", join(root, "link.sock"));
    await expect(host.listen("/link.sock", () => {})).rejects.toThrow("not a socket");
    expect(lstatSync(join(root, "link.sock")).isSymbolicLink()).toBe(true);
  });

  test("the path resolves inside the root: dot-dot and a parent link cannot lead out", async () => {
    const { root, host } = await realHost();
    const outside = mkdtempSync(join(tmpdir(), "tether-outside-"));
    roots.push(outside);
    mkdirSync(join(root, "run"));
    symlinkSync(outside, join(root, "run/out"));
    const a = await host.listen("/../../../a.sock", () => {});
    expect(lstatSync(join(root, "a.sock")).isSocket()).toBe(true);
    const b = await host.listen("/run/out/b.sock", () => {});
    expect(lstatSync(join(root, outside, "b.sock")).isSocket()).toBe(true);
    expect(existsSync(join(outside, "b.sock"))).toBe(false);
    a.close();
    b.close();
  });

  test("a handler that throws closes that connection; the listener goes on", async () => {
    const { root, host, logs } = await realHost();
    let calls = 0;
    const listener = await host.listen("/t.sock", () => {
      calls++;
      throw new Error("handler bug");
    });
    const peer = await client(join(root, "t.sock"));
    expect(await peer.read()).toBeNull();
    const again = await client(join(root, "t.sock"));
    expect(await again.read()).toBeNull();
    expect(calls).toBe(2);
    expect(logs).toEqual(["error listen /t.sock: a connection's handler failed: handler bug\n", "error listen /t.sock: a connection's handler failed: handler bug\n"]);
    listener.close();
  });
});

describe("fake listen and connect", () => {
  test("connect pairs with the listener: bytes both ways, close seen as null on the other end", async () => {
    const host = createFakeHost();
    const accepted: ByteStream[] = [];
    const listener = await host.listen("/run/tether/qga.sock", (s) => accepted.push(s));
    const peer = host.connect("/run/tether/qga.sock");
    expect(accepted).toHaveLength(1);
    const server = accepted[0] as ByteStream;
    await peer.write(bytes("ping"));
    expect(text(await server.read())).toBe("ping");
    await server.write(bytes("pong"));
    expect(text(await peer.read())).toBe("pong");
    peer.close();
    expect(await server.read()).toBeNull();
    await expect(server.write(bytes("late"))).rejects.toThrow("connection closed");
    listener.close();
  });

  test("nothing listening is refused; close stops new connections but keeps accepted ones", async () => {
    const host = createFakeHost();
    expect(() => host.connect("/nobody.sock")).toThrow("connection refused");
    const accepted: ByteStream[] = [];
    const listener = await host.listen("/a/s.sock", (s) => accepted.push(s));
    await expect(host.listen("/a/../a/s.sock", () => {})).rejects.toThrow("another process is listening there");
    const peer = host.connect("/a/./s.sock");
    listener.close();
    expect(() => host.connect("/a/s.sock")).toThrow("connection refused");
    await (accepted[0] as ByteStream).write(bytes("still"));
    expect(text(await peer.read())).toBe("still");
    const again = await host.listen("/a/s.sock", () => {});
    again.close();
  });

  test("a read can be aborted", async () => {
    const host = createFakeHost();
    await host.listen("/s", () => {});
    const peer = host.connect("/s");
    await expect(peer.read(AbortSignal.timeout(20))).rejects.toThrow();
  });
});
