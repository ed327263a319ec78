/**
 * QGA connections that break mid-request: half a JSON value and then a close, a client gone
 * while its reply is being written, a client gone while its command runs. The daemon (from
 * source, on a unix socket as `qemu-ga -m unix-listen`) must serve the next connection, never
 * carry out the half request, and never carry out again one it already answered.
 */
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeTargetRoot } from "../../examples/target-root.ts";
import { connectQga, type QgaClient } from "../helpers/qga-client.ts";
import { startHookedDaemon, type HookedDaemon } from "./hooked-daemon.ts";
import { PTY_RELAY } from "../helpers/pty-relay.ts";

const temps: string[] = [];
const running: HookedDaemon[] = [];
const clients: QgaClient[] = [];
afterEach(() => {
  clients.splice(0).forEach((c) => c.close());
  running.splice(0).forEach((d) => d.daemon.kill("SIGKILL"));
});
/** Bind mounts of /dev/pts: undone before any temp dir is removed (rm must never reach /dev/pts). */
const mounts: string[] = [];
afterAll(() => {
  for (const m of mounts.splice(0)) Bun.spawnSync(["umount", "-l", m]);
  temps.forEach((d) => rmSync(d, { recursive: true, force: true }));
});

async function start() {
  const dir = mkdtempSync(join(tmpdir(), "tether-qga-loss-"));
  temps.push(dir);
  const root = join(dir, "guest");
  makeTargetRoot(root);
  const daemon = await startHookedDaemon(["--listen", "unix:/run/qga.sock", "--root", root, "--metadata-url", "http://127.0.0.1:9", "--log-level", "debug"], {
    ready: "serving the QEMU guest agent protocol",
    dir,
  });
  running.push(daemon);
  const socket = join(root, "run/qga.sock");
  const connect = async () => {
    const client = await connectQga(socket);
    clients.push(client);
    return client;
  };
  return { root, daemon, socket, connect };
}

const b64 = (s: string) => Buffer.from(s).toString("base64");
const request = (execute: string, args?: unknown) => JSON.stringify({ execute, ...(args === undefined ? {} : { arguments: args }) });

/** A file opened for appending on one connection: the handle outlives it, as in qemu-ga. */
async function appendHandle(c: QgaClient, path: string): Promise<number> {
  const opened = await c.call("guest-file-open", { path, mode: "a" });
  expect(typeof opened.return).toBe("number");
  return opened.return as number;
}

/**
 * A raw connection that sends `data` and, at the first byte of a reply, vanishes (RST-like: no
 * more reading), as a host whose management process died would. Resolves once it has gone.
 */
async function sendAndVanish(socket: string, data: string, afterReplies = 0): Promise<number> {
  let seen = 0;
  let lines = 0;
  const { promise, resolve } = Promise.withResolvers<number>();
  const conn = await Bun.connect({
    unix: socket,
    socket: {
      data(s, chunk) {
        seen += chunk.length;
        for (const b of chunk) if (b === 0x0a) lines++;
        if (lines >= afterReplies && seen > 0) {
          s.terminate();
          resolve(seen);
        }
      },
      close: () => resolve(seen),
      error: () => resolve(seen),
    },
  });
  conn.write(data);
  return promise;
}

describe("transport loss: QGA socket closed mid-request", () => {
  test("half a JSON value, then close: never carried out; the next connection's parser starts clean", async () => {
    const { root, daemon, connect } = await start();
    const a = await connect();
    const handle = await appendHandle(a, "/etc/fault-append");
    expect(await a.call("guest-file-write", { handle, "buf-b64": b64("1") })).toMatchObject({ return: { count: 1 } });
    // A write cut off mid-value, and an open whose last "}" never comes.
    a.send(`${request("guest-file-write", { handle, "buf-b64": b64("2") }).slice(0, 40)}`);
    await Bun.sleep(50);
    a.close();
    const b = await connect();
    // Were A's bytes still in the parser, this "}" would complete A's open of /etc/half-open.
    b.send(`${request("guest-file-open", { path: "/etc/half-open", mode: "w" }).slice(0, -1)}`);
    await Bun.sleep(50);
    b.close();
    const c = await connect();
    c.send("}}");
    // An error per stray brace (as qemu-ga's lexer gives), then answers as usual. Had B's bytes
    // been kept, the first brace would have ended B's open and only the second been an error.
    for (let i = 0; i < 2; i++) expect(JSON.parse(await c.line())).toEqual({ error: { class: "GenericError", desc: "JSON parse error, expecting value" } });
    expect(await c.call("guest-ping")).toEqual({ return: {} });
    expect(await c.call("guest-file-close", { handle })).toEqual({ return: {} });
    expect(readFileSync(join(root, "etc/fault-append"), "utf8")).toBe("1");
    expect(existsSync(join(root, "etc/half-open"))).toBe(false);
    expect(daemon.daemon.exitCode).toBeNull();
  }, 30_000);

  test("the client vanishes while a long reply is being written: the session ends, the next connection is served, the answered command is not run again", async () => {
    const { root, daemon, socket, connect } = await start();
    // 12 MiB read back as 16 MiB of base64: far more than a socket buffer holds.
    writeFileSync(join(root, "var/big"), new Uint8Array(12 << 20).fill(0x61));
    const a = await connect();
    const big = (await a.call("guest-file-open", { path: "/var/big", mode: "r" })).return as number;
    const handle = await appendHandle(a, "/etc/fault-append");
    a.close();
    for (let round = 1; round <= 3; round++) {
      // One write, answered (its line comes first), then the big read whose reply is cut off.
      await sendAndVanish(socket, `${request("guest-file-write", { handle, "buf-b64": b64(String(round)) })}${request("guest-file-seek", { handle: big, offset: 0, whence: "set" })}${request("guest-file-read", { handle: big, count: 12 << 20 })}`, 2);
    }
    const b = await connect();
    expect(await b.call("guest-ping")).toEqual({ return: {} });
    expect(await b.call("guest-file-close", { handle })).toEqual({ return: {} });
    expect(await b.call("guest-file-close", { handle: big })).toEqual({ return: {} });
    expect(readFileSync(join(root, "etc/fault-append"), "utf8")).toBe("123");
    // Each cut-off session ended when its write failed, rather than hanging on a dead socket.
    const until = Date.now() + 5000;
    while ((daemon.stderr().match(/the peer is gone/g) ?? []).length < 3 && Date.now() < until) await Bun.sleep(20);
    expect((daemon.stderr().match(/the peer is gone/g) ?? []).length).toBe(3);
    expect(daemon.daemon.exitCode).toBeNull();
  }, 60_000);

  test("the client vanishes before its command's reply: the command runs once, the next connection is served", async () => {
    const { root, daemon, connect, socket } = await start();
    const a = await connect();
    const handle = await appendHandle(a, "/etc/fault-append");
    a.close();
    // Sent and closed at once: the request arrives with the end of the stream behind it.
    const conn = await Bun.connect({ unix: socket, socket: { data() {} } });
    conn.write(request("guest-file-write", { handle, "buf-b64": b64("x") }));
    conn.end();
    const b = await connect();
    expect(await b.call("guest-ping")).toEqual({ return: {} });
    await Bun.sleep(100);
    expect(await b.call("guest-file-close", { handle })).toEqual({ return: {} });
    expect(readFileSync(join(root, "etc/fault-append"), "utf8")).toBe("x");
    expect(daemon.daemon.exitCode).toBeNull();
  }, 30_000);
});


/** A host attached to a fresh pty: its port path, what it sends, what it has received, and its death. */
async function ptyHost() {
  const relay = Bun.spawn(["python3", "-c", PTY_RELAY], { stdin: "pipe", stdout: "pipe" });
  const reader = relay.stdout.getReader();
  let got = "";
  while (!got.includes("\n")) got += new TextDecoder("latin1").decode((await reader.read()).value);
  const pty = got.slice(0, got.indexOf("\n")).trim();
  got = got.slice(got.indexOf("\n") + 1);
  void (async () => {
    for (let r = await reader.read(); !r.done; r = await reader.read()) got += new TextDecoder("latin1").decode(r.value);
  })().catch(() => undefined);
  return {
    pty,
    send(data: string | Uint8Array) {
      relay.stdin.write(data);
      relay.stdin.flush();
    },
    async lines(n: number, ms = 10_000) {
      const until = Date.now() + ms;
      while (got.split("\n").length <= n && Date.now() < until) await Bun.sleep(20);
      return got.split("\n").slice(0, n);
    },
    kill: () => relay.kill("SIGKILL"),
  };
}

describe("transport loss: the host on a virtio port goes away mid-request", () => {
  test("half a request, then the host's end closes: the port is opened again, the next host is served, the half never runs", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tether-vport-loss-"));
    temps.push(dir);
    const root = join(dir, "guest");
    makeTargetRoot(root);
    Bun.spawnSync(["mkdir", "-p", join(root, "sys/class/virtio-ports/vport0p1"), join(root, "dev/pts")]);
    writeFileSync(join(root, "sys/class/virtio-ports/vport0p1/name"), "org.qemu.guest_agent.0\n");
    expect(Bun.spawnSync(["mount", "--bind", "/dev/pts", join(root, "dev/pts")]).exitCode).toBe(0);
    mounts.push(join(root, "dev/pts"));
    const first = await ptyHost();
    const link = join(root, "dev/vport0p1");
    Bun.spawnSync(["ln", "-sfn", first.pty, link]);
    const daemon = await startHookedDaemon(["--root", root, "--metadata-url", "http://127.0.0.1:9", "--log-level", "debug"], { ready: "serving the QEMU guest agent protocol", dir });
    running.push(daemon);
    first.send(`${request("guest-sync", { id: 1 })}\n`);
    expect(await first.lines(1)).toEqual(['{"return":1}']);
    // Half an open, then the host's end of the port is gone (its process killed).
    first.send(request("guest-file-open", { path: "/etc/half-open", mode: "w" }).slice(0, -1));
    await Bun.sleep(100);
    first.kill();
    // The next host comes on another pty, as a port reattached; the daemon finds it by the same path.
    const second = await ptyHost();
    Bun.spawnSync(["ln", "-sfn", second.pty, link]);
    // 0xFF first, as libvirt and qemu-ga-client do on (re)connecting: whatever was half-sent is dropped.
    second.send(new Uint8Array([0xff]));
    second.send(`${request("guest-sync-delimited", { id: 2 })}\n${request("guest-ping")}\n`);
    const [sync, ping] = await second.lines(2, 15_000);
    expect(sync?.replace(/^\xff/, "")).toBe('{"return":2}');
    expect(ping).toBe('{"return":{}}');
    expect(existsSync(join(root, "etc/half-open"))).toBe(false);
    expect(daemon.stderr()).toContain("/dev/vport0p1: open again");
    second.kill();
    daemon.daemon.kill("SIGKILL");
    await daemon.daemon.exited;
    for (const m of mounts.splice(0)) Bun.spawnSync(["umount", "-l", m]);
  }, 60_000);
});
