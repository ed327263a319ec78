import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { HEADER_SIZE, pathPayload, XS_TYPE, type Frame } from "../../src/transports/xenstore/wire.ts";
import { vmUuid } from "../../scripts/xenstored/toolstack.ts";
import { RawXsConnection, show, startTestXenstored, type DevXenstoredOptions, type TestXenstored } from "../helpers/dev-xenstored.ts";

const REPO = resolve(import.meta.dir, "../..");
const DEBIAN_PYTHON = "/usr/bin/python3";

let running: TestXenstored[] = [];
let raws: RawXsConnection[] = [];
afterEach(async () => {
  for (const raw of raws) raw.close();
  for (const xs of running) await xs.stop();
  running = [];
  raws = [];
});

/** A fresh daemon per test, recording every request it sees as `dom<id> <TYPE> <payload>`. */
async function daemon(options: Partial<Omit<DevXenstoredOptions, "socket" | "guestSocket">> = {}) {
  const seen: string[] = [];
  const names = Object.fromEntries(Object.entries(XS_TYPE).map(([name, n]) => [n, name]));
  const xs = await startTestXenstored({ ...options, onRequest: (domid, frame) => seen.push(`dom${domid} ${names[frame.type] ?? frame.type} ${show(frame)}`) });
  running.push(xs);
  return { xs, seen };
}

async function raw(path: string): Promise<RawXsConnection> {
  const connection = await RawXsConnection.connect(path);
  raws.push(connection);
  return connection;
}

/** Runs a Debian xenstore-* tool with nothing in its environment but XENSTORED_PATH. */
async function cli(tool: string, args: string[], env: Record<string, string>) {
  const program = Bun.which(tool, { PATH: "/usr/bin:/bin:/usr/sbin" });
  if (!program) throw new Error(`${tool} is missing: apt-get install xenstore-utils (scripts/install-test-peers.sh)`);
  const child = Bun.spawn([program, ...args], { env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  return { code, stdout, stderr };
}

/** Lines of a child's stdout, one at a time, with a deadline. */
function lineReader(stream: ReadableStream<Uint8Array>) {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  return async (timeoutMs = 3000): Promise<string> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const nl = buffer.indexOf("\n");
      if (nl >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        return line;
      }
      const chunk = await Promise.race([reader.read(), Bun.sleep(Math.max(deadline - Date.now(), 0)).then(() => null)]);
      if (chunk === null) throw new Error(`no line within ${timeoutMs} ms (have ${JSON.stringify(buffer)})`);
      if (chunk.done) throw new Error(`stream ended (have ${JSON.stringify(buffer)})`);
      buffer += decoder.decode(chunk.value, { stream: true });
    }
  };
}

const typeNames = (seen: string[]) => seen.map((s) => s.split(" ").slice(0, 2).join(" "));
const text = (frame: Frame) => show(frame);
const isError = (frame: Frame, errno: string) => frame.type === XS_TYPE.ERROR && text(frame) === `${errno}|`;

const REQUEST_ID = "f81d4fae-7dec-11d0-a765-00a0c91e6bf6";
const VERSION_REQUEST = '{"name":"version","value":"agent"}';

describe("dev-xenstored with Debian's xenstore-utils (libxenstore 4.17)", () => {
  test("dom0 writes, reads, lists, checks, chmods and removes with absolute paths, as Nova's dom0 plugin does", async () => {
    const { xs, seen } = await daemon({ domid: 7 });
    const env = xs.env("dom0");
    const host = `/local/domain/7/data/host/${REQUEST_ID}`;

    expect(await cli("xenstore-write", [host, VERSION_REQUEST], env)).toMatchObject({ code: 0, stderr: "" });
    expect(xs.store.read(host)).toBe(VERSION_REQUEST);
    expect(await cli("xenstore-read", [host], env)).toEqual({ code: 0, stdout: `${VERSION_REQUEST}\n`, stderr: "" });

    // Several pairs at once make the tool wrap them in one transaction.
    seen.length = 0;
    const nic = '{"mac":"AA:BB:CC:00:11:22","ips":[{"ip":"10.0.0.5","netmask":"255.255.255.0"}]}';
    const pairs = ["/local/domain/7/vm-data/hostname", "web-1", "/local/domain/7/vm-data/networking/aabbcc001122", nic];
    expect((await cli("xenstore-write", pairs, env)).code).toBe(0);
    expect(typeNames(seen)).toEqual(["dom0 TRANSACTION_START", "dom0 WRITE", "dom0 WRITE", "dom0 TRANSACTION_END"]);
    expect(seen.at(-1)).toBe("dom0 TRANSACTION_END T|");
    expect(xs.store.read("/local/domain/7/vm-data/networking/aabbcc001122")).toBe(nic);

    expect((await cli("xenstore-list", ["/local/domain/7"], env)).stdout).toBe("name\nvm\ndata\nvm-data\n");
    expect((await cli("xenstore-ls", ["-f", "/local/domain/7/vm-data"], env)).stdout.split("\n")).toEqual([
      '/local/domain/7/vm-data/hostname = "web-1"',
      '/local/domain/7/vm-data/networking = ""',
      // xenstore-ls quotes values without escaping what is inside.
      `/local/domain/7/vm-data/networking/aabbcc001122 = "${nic}"`,
      "",
    ]);
    expect((await cli("xenstore-exists", [host], env)).code).toBe(0);
    expect((await cli("xenstore-exists", ["/local/domain/7/data/host/missing"], env)).code).toBe(1);

    expect((await cli("xenstore-chmod", ["/local/domain/7/vm-data", "n0", "r7"], env)).code).toBe(0);
    expect(xs.store.getPerms("/local/domain/7/vm-data")).toEqual(["n0", "r7"]);
    expect((await cli("xenstore-ls", ["-p", "/local/domain/7"], env)).stdout).toMatch(/^vm-data = "" [ .]*\(n0,r7\)$/m);

    expect((await cli("xenstore-rm", [host], env)).code).toBe(0);
    expect(xs.store.read(host)).toBeUndefined();
    // xenstored: a missing node is fine to remove, a missing parent is ENOENT.
    expect((await cli("xenstore-rm", [host], env)).code).toBe(0);
    const deep = await cli("xenstore-rm", ["/local/domain/7/nowhere/deeper"], env);
    expect(deep.code).toBe(1);
    expect(deep.stderr).toContain("could not remove path");
  });

  test("the guest uses relative paths under its home and is refused dom0's nodes", async () => {
    const { xs, seen } = await daemon({ domid: 7 });
    const dom0 = xs.env("dom0");
    const guest = xs.env("guest");
    expect((await cli("xenstore-write", [`/local/domain/7/data/host/${REQUEST_ID}`, VERSION_REQUEST], dom0)).code).toBe(0);

    expect(await cli("xenstore-read", [`data/host/${REQUEST_ID}`], guest)).toEqual({ code: 0, stdout: `${VERSION_REQUEST}\n`, stderr: "" });
    expect((await cli("xenstore-write", [`data/guest/${REQUEST_ID}`, '{"returncode":"0","message":"1.0"}'], guest)).code).toBe(0);
    expect((await cli("xenstore-rm", [`data/host/${REQUEST_ID}`], guest)).code).toBe(0);
    expect(xs.store.snapshot("/local/domain/7/data")).toEqual({
      "/local/domain/7/data": "",
      "/local/domain/7/data/host": "",
      "/local/domain/7/data/guest": "",
      [`/local/domain/7/data/guest/${REQUEST_ID}`]: '{"returncode":"0","message":"1.0"}',
    });
    // The tool sent the path as it was given: the daemon resolved it.
    expect(seen).toContain(`dom7 READ data/host/${REQUEST_ID}|`);
    expect((await cli("xenstore-list", ["data"], guest)).stdout).toBe("host\nguest\n");
    expect((await cli("xenstore-read", ["name"], guest)).stdout).toBe("guest-7\n");
    expect((await cli("xenstore-read", ["vm"], guest)).stdout).toBe(`/vm/${vmUuid(7)}\n`);

    const foreign = await cli("xenstore-read", ["/local/domain/0/name"], guest);
    expect(foreign.code).toBe(1);
    expect(foreign.stderr).toContain("couldn't read path /local/domain/0/name");
    expect((await cli("xenstore-write", ["/local/domain/0/evil", "x"], guest)).code).toBe(1);
    expect(xs.store.read("/local/domain/0/evil")).toBeUndefined();
    expect((await cli("xenstore-ls", ["/"], guest)).stderr).toContain("Permission denied");
    // dom0 still reads its own node (and the guest's) fine.
    expect((await cli("xenstore-read", ["name"], dom0)).stdout).toBe("Domain-0\n");
  });

  test("a directory too big for one reply is listed through DIRECTORY_PART", async () => {
    const { xs, seen } = await daemon();
    const names = Array.from({ length: 300 }, (_, i) => `child-with-a-long-name-${i}`);
    for (const name of names) xs.store.write(`/local/domain/7/data/big/${name}`, "v");
    seen.length = 0;
    const listed = await cli("xenstore-list", ["/local/domain/7/data/big"], xs.env());
    expect(listed.code).toBe(0);
    expect(listed.stdout.trimEnd().split("\n")).toEqual(names);
    const offsets = seen.filter((s) => s.includes("DIRECTORY")).map((s) => s.split(" ").slice(1).join(" "));
    expect(offsets).toEqual([
      "DIRECTORY /local/domain/7/data/big|",
      "DIRECTORY_PART /local/domain/7/data/big|0|",
      // 4096 bytes minus the generation field, whole names only: the first chunk ends at a name.
      expect.stringMatching(/^DIRECTORY_PART \/local\/domain\/7\/data\/big\|\d{4}\|$/),
    ]);
    const guestLs = await cli("xenstore-ls", ["data/big"], xs.env("guest"));
    expect(guestLs.stdout.trimEnd().split("\n")).toHaveLength(300);
  });

  test("xenstore-watch gets the immediate event, then changes below, relative for the guest", async () => {
    const { xs } = await daemon();
    const spawnWatch = (path: string, env: Record<string, string>) =>
      Bun.spawn([Bun.which("xenstore-watch", { PATH: "/usr/bin:/bin" }) ?? "xenstore-watch", path], { env, stdout: "pipe", stderr: "pipe", stdin: "ignore" });
    const dom0Watch = spawnWatch("/local/domain/7/data", xs.env("dom0"));
    const guestWatch = spawnWatch("data/host", xs.env("guest"));
    try {
      const dom0Line = lineReader(dom0Watch.stdout);
      const guestLine = lineReader(guestWatch.stdout);
      expect(await dom0Line()).toBe("/local/domain/7/data");
      expect(await guestLine()).toBe("data/host");

      expect((await cli("xenstore-write", [`/local/domain/7/data/host/${REQUEST_ID}`, VERSION_REQUEST], xs.env())).code).toBe(0);
      expect(await dom0Line()).toBe(`/local/domain/7/data/host/${REQUEST_ID}`);
      expect(await guestLine()).toBe(`data/host/${REQUEST_ID}`);

      // A change beside the guest's watch reaches dom0's only; removing data fires both (it held data/host).
      expect((await cli("xenstore-write", ["data/guest/x", "1"], xs.env("guest"))).code).toBe(0);
      expect(await dom0Line()).toBe("/local/domain/7/data/guest/x");
      expect((await cli("xenstore-rm", ["/local/domain/7/data"], xs.env())).code).toBe(0);
      expect(await dom0Line()).toBe("/local/domain/7/data");
      expect(await guestLine()).toBe("data");
    } finally {
      dom0Watch.kill();
      guestWatch.kill();
      await Promise.all([dom0Watch.exited, guestWatch.exited]);
    }
  });
});

describe("dev-xenstored with pyxs (python3-pyxs, Debian's python)", () => {
  const script = String.raw`
import json, sys, pyxs
out = {}
with pyxs.Client(unix_socket_path=sys.argv[1]) as c, pyxs.Client(unix_socket_path=sys.argv[2]) as host:
    c.write(b"data/py/a", b"1")
    out["read"] = c.read(b"data/py/a").decode()
    c.mkdir(b"data/py/dir")
    out["list"] = [x.decode() for x in c.list(b"data/py")]
    out["perms"] = [p.decode() for p in c.get_perms(b"data/py/a")]
    out["domain_path"] = c.get_domain_path(7).decode()
    c.transaction()
    c.write(b"data/py/tx", b"in-tx")
    out["tx_own_view"] = c.read(b"data/py/tx").decode()
    out["tx_outside"] = host.read(b"/local/domain/7/data/py/tx", b"<none>").decode()
    out["commit"] = c.commit()
    out["after_commit"] = host.read(b"/local/domain/7/data/py/tx").decode()
    c.transaction()
    c.read(b"data/py/a")
    host.write(b"/local/domain/7/data/py/a", b"2")
    c.write(b"data/py/b", b"lost")
    out["conflicting_commit"] = c.commit()
    out["b_exists"] = c.exists(b"data/py/b")
    c.delete(b"data/py/a")
    out["a_exists"] = c.exists(b"data/py/a")
    m = c.monitor()
    m.watch(b"data/py", b"tok")
    events = m.wait()
    first = next(events)
    host.write(b"/local/domain/7/data/py/w", b"x")
    second = next(events)
    out["events"] = [[e.path.decode(), e.token.decode()] for e in (first, second)]
    m.unwatch(b"data/py", b"tok")
    try:
        c.read(b"/local/domain/0/name")
    except pyxs.PyXSError as e:
        out["foreign_errno"] = e.args[0]
print(json.dumps(out))
`;

  test("write/read/list/mkdir/rm, a transaction (and a conflicting one), a watch", async () => {
    const { xs, seen } = await daemon({ domid: 7 });
    if (!existsSync(DEBIAN_PYTHON)) throw new Error(`${DEBIAN_PYTHON} is missing: apt-get install python3-pyxs`);
    const child = Bun.spawn([DEBIAN_PYTHON, "-c", script, xs.guestSocket, xs.socket], { stdout: "pipe", stderr: "pipe", stdin: "ignore" });
    const timer = setTimeout(() => child.kill(), 10_000);
    const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
    clearTimeout(timer);
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(JSON.parse(stdout)).toEqual({
      read: "1",
      list: ["a", "dir"],
      perms: ["n7"],
      domain_path: "/local/domain/7",
      tx_own_view: "in-tx",
      tx_outside: "<none>",
      commit: true,
      after_commit: "in-tx",
      conflicting_commit: false,
      b_exists: false,
      a_exists: false,
      events: [
        ["data/py", "tok"],
        ["data/py/w", "tok"],
      ],
      foreign_errno: 13,
    });
    expect(xs.store.read("/local/domain/7/data/py/w")).toBe("x");
    // pyxs numbers its requests and lists with DIRECTORY (its exists() too); nothing else was needed.
    expect(new Set(typeNames(seen).map((s) => s.split(" ")[1]))).toEqual(
      new Set(["WRITE", "READ", "MKDIR", "DIRECTORY", "GET_PERMS", "GET_DOMAIN_PATH", "TRANSACTION_START", "TRANSACTION_END", "RM", "WATCH", "UNWATCH"]),
    );
  });
});

describe("dev-xenstored, our own framing", () => {
  test("a header announcing more than 4096 bytes drops that connection only", async () => {
    const { xs } = await daemon();
    const bad = await raw(xs.socket);
    const good = await raw(xs.socket);
    expect(text(await bad.request(XS_TYPE.WATCH, ["/local", "t"]))).toBe("OK|");
    expect(await bad.event()).toBe("/local|t");
    const header = new Uint8Array(HEADER_SIZE);
    new DataView(header.buffer).setUint32(0, XS_TYPE.WRITE, true);
    new DataView(header.buffer).setUint32(12, 4097, true);
    bad.sendRaw(header);
    await bad.closed;
    expect(bad.isClosed).toBe(true);
    // The other connection is served, and the dropped one's watch went with it.
    expect(text(await good.request(XS_TYPE.WRITE, pathPayload("/local/x")))).toBe("OK|");
    expect(text(await good.request(XS_TYPE.READ, ["/local/x"]))).toBe("");
    expect(xs.connections()).toBe(1);
  });

  test("E2BIG for a DIRECTORY reply over 4096 bytes; DIRECTORY_PART pages it in whole names", async () => {
    const { xs } = await daemon();
    const names = Array.from({ length: 200 }, (_, i) => `node-${String(i).padStart(20, "0")}`);
    for (const name of names) xs.store.write(`/big/${name}`, "");
    const c = await raw(xs.socket);
    expect(isError(await c.request(XS_TYPE.DIRECTORY, ["/big"]), "E2BIG")).toBe(true);

    const got: string[] = [];
    let offset = 0;
    let generation: string | undefined;
    for (let round = 0; round < 5; round++) {
      const reply = await c.request(XS_TYPE.DIRECTORY_PART, ["/big", String(offset)]);
      expect(reply.type).toBe(XS_TYPE.DIRECTORY_PART);
      expect(reply.payload.length).toBeLessThanOrEqual(4096);
      const [gen, ...rest] = text(reply).split("|");
      generation ??= gen;
      expect(gen).toBe(generation);
      const chunk = rest.join("|");
      const done = chunk.endsWith("||");
      const chunkNames = chunk.replace(/\|\|?$/, "").split("|");
      got.push(...chunkNames);
      offset += chunkNames.reduce((n, name) => n + name.length + 1, 0);
      if (done) break;
    }
    expect(got).toEqual(names);
    expect(text(await c.request(XS_TYPE.DIRECTORY_PART, ["/big", "999999"]))).toBe(`${generation}||`);
    // A change to the child list moves the generation, so a pager can start over.
    xs.store.write("/big/extra", "");
    expect(text(await c.request(XS_TYPE.DIRECTORY_PART, ["/big", "999999"]))).not.toBe(`${generation}||`);
    expect(isError(await c.request(XS_TYPE.DIRECTORY_PART, ["/big", "x"]), "EINVAL")).toBe(true);
  });

  test("paths are checked like xenstored's: EINVAL for bad names and lengths, EACCES outside the guest's home", async () => {
    const { xs } = await daemon();
    const dom0 = await raw(xs.socket);
    const guest = await raw(xs.guestSocket);
    for (const bad of ["a//b", "/a//b", "a/", "/a/", "has space", "dot.name", "@foo", "", "é", `x${"y".repeat(2048)}`, `/${"y".repeat(3072)}`]) {
      expect({ bad, error: text(await dom0.request(XS_TYPE.WRITE, new TextEncoder().encode(`${bad}\0v`))) }).toEqual({ bad, error: "EINVAL|" });
    }
    expect(text(await dom0.request(XS_TYPE.WRITE, new TextEncoder().encode(`${"r".repeat(2048)}\0v`)))).toBe("OK|");
    expect(xs.store.read(`/local/domain/0/${"r".repeat(2048)}`)).toBe("v");
    expect(text(await dom0.request(XS_TYPE.READ, ["/"]))).toBe("");
    // A payload that is not NUL-terminated, and an unknown message type.
    expect(text(await dom0.request(XS_TYPE.READ, new TextEncoder().encode("/local")))).toBe("EINVAL|");
    expect(isError(await dom0.request(99, ["/local"]), "EINVAL")).toBe(true);
    expect(isError(await dom0.request(XS_TYPE.INTRODUCE, ["1", "2", "3"]), "EINVAL")).toBe(true);

    for (const path of ["/local/domain/0/name", "/local/domain/70", "/vm", "/"]) {
      expect({ path, reply: text(await guest.request(XS_TYPE.READ, [path])) }).toEqual({ path, reply: "EACCES|" });
    }
    expect(text(await guest.request(XS_TYPE.READ, ["/local/domain/7/name"]))).toBe("guest-7");
    expect(text(await guest.request(XS_TYPE.WATCH, ["/local/domain/0", "t"]))).toBe("EACCES|");
    expect(text(await guest.request(XS_TYPE.CONTROL, ["check"]))).toBe("EACCES|");
  });

  test("the other requests: RM, perms, domain path, introduced, CONTROL, req_id and tx_id echoed", async () => {
    const { xs } = await daemon();
    const c = await raw(xs.socket);
    const reply = await c.request(XS_TYPE.WRITE, new TextEncoder().encode("/a/b/c\0\0binary\x01"), { reqId: 0xdeadbeef });
    expect({ type: reply.type, reqId: reply.reqId, txId: reply.txId, payload: text(reply) }).toEqual({ type: XS_TYPE.WRITE, reqId: 0xdeadbeef, txId: 0, payload: "OK|" });
    expect(xs.store.readBytes("/a/b/c")).toEqual(new TextEncoder().encode("\0binary\x01"));
    expect(xs.store.snapshot("/a")).toEqual({ "/a": "", "/a/b": "", "/a/b/c": "\0binary\x01" });

    expect(text(await c.request(XS_TYPE.MKDIR, ["/a/d"]))).toBe("OK|");
    expect(text(await c.request(XS_TYPE.MKDIR, ["/a/d"]))).toBe("OK|");
    expect(text(await c.request(XS_TYPE.DIRECTORY, ["/a"]))).toBe("b|d|");
    expect(text(await c.request(XS_TYPE.DIRECTORY, ["/a/d"]))).toBe("");
    expect(text(await c.request(XS_TYPE.RM, ["/a/missing"]))).toBe("OK|");
    expect(text(await c.request(XS_TYPE.RM, ["/a/missing/deeper"]))).toBe("ENOENT|");
    expect(text(await c.request(XS_TYPE.RM, ["/"]))).toBe("EINVAL|");
    expect(text(await c.request(XS_TYPE.RM, ["/a"]))).toBe("OK|");
    expect(xs.store.snapshot("/a")).toEqual({});
    expect(text(await c.request(XS_TYPE.READ, ["/a/b/c"]))).toBe("ENOENT|");

    expect(text(await c.request(XS_TYPE.GET_PERMS, ["/local/domain/7"]))).toBe("n0|r7|");
    expect(text(await c.request(XS_TYPE.SET_PERMS, ["/local/domain/7/data", "b7", "r0"]))).toBe("OK|");
    expect(text(await c.request(XS_TYPE.GET_PERMS, ["/local/domain/7/data"]))).toBe("b7|r0|");
    expect(text(await c.request(XS_TYPE.SET_PERMS, ["/local/domain/7/data", "x7"]))).toBe("EINVAL|");
    expect(text(await c.request(XS_TYPE.SET_PERMS, ["/nope", "n0"]))).toBe("ENOENT|");

    expect(text(await c.request(XS_TYPE.GET_DOMAIN_PATH, ["12"]))).toBe("/local/domain/12|");
    expect(text(await c.request(XS_TYPE.GET_DOMAIN_PATH, ["x"]))).toBe("EINVAL|");
    expect(text(await c.request(XS_TYPE.IS_DOMAIN_INTRODUCED, ["7"]))).toBe("T|");
    expect(text(await c.request(XS_TYPE.CONTROL, ["check"]))).toBe("OK|");
    expect(text(await c.request(XS_TYPE.CONTROL, ["frobnicate"]))).toBe("EINVAL|");

    // The toolstack's nodes exist from the start.
    expect(xs.store.read("/local/domain/7/vm")).toBe(`/vm/${vmUuid(7)}`);
    expect(xs.store.list("/local/domain/7")).toEqual(["name", "vm", "data"]);
    expect(xs.store.list("/local/domain/0")).toEqual(["name"]);
  });

  test("transactions: a private view, applied at commit, EAGAIN on conflict, F aborts, unknown ids ENOENT", async () => {
    const { xs } = await daemon();
    const a = await raw(xs.socket);
    const b = await raw(xs.socket);
    const watcher = await raw(xs.socket);
    xs.store.write("/t/x", "0");
    expect(text(await watcher.request(XS_TYPE.WATCH, ["/t", "w"]))).toBe("OK|");
    expect(await watcher.event()).toBe("/t|w");

    const start = await a.request(XS_TYPE.TRANSACTION_START, [""]);
    const tx = Number(text(start).replace(/\|$/, ""));
    expect(tx).toBeGreaterThan(0);
    expect(text(start)).toBe(`${tx}|`);
    expect(text(await a.request(XS_TYPE.WRITE, new TextEncoder().encode("/t/y\0in-tx"), { txId: tx }))).toBe("OK|");
    const inside = await a.request(XS_TYPE.READ, ["/t/y"], { txId: tx });
    expect({ payload: text(inside), txId: inside.txId }).toEqual({ payload: "in-tx", txId: tx });
    expect(text(await a.request(XS_TYPE.DIRECTORY, ["/t"], { txId: tx }))).toBe("x|y|");
    // Buffered: nobody else sees it, and no watch fired yet.
    expect(text(await b.request(XS_TYPE.READ, ["/t/y"]))).toBe("ENOENT|");
    expect(xs.store.read("/t/y")).toBeUndefined();
    expect(await watcher.drain()).toEqual([]);
    // Another connection cannot use this transaction id.
    expect(text(await b.request(XS_TYPE.READ, ["/t/x"], { txId: tx }))).toBe("ENOENT|");
    expect(text(await a.request(XS_TYPE.TRANSACTION_START, [""], { txId: tx }))).toBe("EBUSY|");

    expect(text(await a.request(XS_TYPE.TRANSACTION_END, ["T"], { txId: tx }))).toBe("OK|");
    expect(xs.store.read("/t/y")).toBe("in-tx");
    expect(await watcher.event()).toBe("/t/y|w");
    expect(text(await a.request(XS_TYPE.TRANSACTION_END, ["T"], { txId: tx }))).toBe("ENOENT|");

    // Conflict: a read in the transaction, then someone else writes that node.
    const tx2 = Number(text(await a.request(XS_TYPE.TRANSACTION_START, [""])).replace(/\|$/, ""));
    expect(tx2).not.toBe(tx);
    expect(text(await a.request(XS_TYPE.READ, ["/t/x"], { txId: tx2 }))).toBe("0");
    expect(text(await a.request(XS_TYPE.WRITE, new TextEncoder().encode("/t/z\0lost"), { txId: tx2 }))).toBe("OK|");
    expect(text(await b.request(XS_TYPE.WRITE, new TextEncoder().encode("/t/x\0changed")))).toBe("OK|");
    expect(await watcher.event()).toBe("/t/x|w");
    expect(text(await a.request(XS_TYPE.TRANSACTION_END, ["T"], { txId: tx2 }))).toBe("EAGAIN|");
    expect(xs.store.read("/t/z")).toBeUndefined();
    expect(await watcher.drain()).toEqual([]);

    // Listing counts as reading: a child created meanwhile conflicts too.
    const tx3 = Number(text(await a.request(XS_TYPE.TRANSACTION_START, [""])).replace(/\|$/, ""));
    await a.request(XS_TYPE.DIRECTORY, ["/t"], { txId: tx3 });
    await a.request(XS_TYPE.WRITE, new TextEncoder().encode("/u\0lost"), { txId: tx3 });
    xs.store.write("/t/new", "");
    expect(text(await a.request(XS_TYPE.TRANSACTION_END, ["T"], { txId: tx3 }))).toBe("EAGAIN|");
    expect(xs.store.read("/u")).toBeUndefined();

    // Untouched nodes changing elsewhere do not conflict; F throws the work away.
    const tx4 = Number(text(await a.request(XS_TYPE.TRANSACTION_START, [""])).replace(/\|$/, ""));
    await a.request(XS_TYPE.WRITE, new TextEncoder().encode("/v\0kept"), { txId: tx4 });
    xs.store.write("/t/x", "again");
    expect(text(await a.request(XS_TYPE.TRANSACTION_END, ["T"], { txId: tx4 }))).toBe("OK|");
    expect(xs.store.read("/v")).toBe("kept");
    const tx5 = Number(text(await a.request(XS_TYPE.TRANSACTION_START, [""])).replace(/\|$/, ""));
    await a.request(XS_TYPE.WRITE, new TextEncoder().encode("/w\0dropped"), { txId: tx5 });
    expect(text(await a.request(XS_TYPE.TRANSACTION_END, ["X"], { txId: tx5 }))).toBe("EINVAL|");
    expect(text(await a.request(XS_TYPE.TRANSACTION_END, ["F"], { txId: tx5 }))).toBe("OK|");
    expect(xs.store.read("/w")).toBeUndefined();
    expect(text(await a.request(XS_TYPE.READ, ["/v"], { txId: 424242 }))).toBe("ENOENT|");
  });

  test("watches: node and ancestors fire, RM fires descendants, paths as registered, UNWATCH and RESET_WATCHES", async () => {
    const { xs } = await daemon();
    const guest = await raw(xs.guestSocket);
    const dom0 = await raw(xs.socket);
    for (const [path, token] of [
      ["data", "rel"],
      ["/local/domain/7/data", "abs"],
      ["data/host/deep/er", "below"],
      ["@introduceDomain", "special"],
    ] as const) {
      expect(text(await guest.request(XS_TYPE.WATCH, [path, token]))).toBe("OK|");
      expect(await guest.event()).toBe(`${path}|${token}`);
    }
    expect(text(await guest.request(XS_TYPE.WATCH, ["data", "rel"]))).toBe("EEXIST|");
    expect(text(await guest.request(XS_TYPE.WATCH, ["@nonsense", "t"]))).toBe("EINVAL|");

    await dom0.request(XS_TYPE.WRITE, new TextEncoder().encode("/local/domain/7/data/host/req\0{}"));
    expect([await guest.event(), await guest.event()]).toEqual(["data/host/req|rel", "/local/domain/7/data/host/req|abs"]);
    // Outside the watched subtrees: nothing.
    await dom0.request(XS_TYPE.WRITE, new TextEncoder().encode("/local/domain/7/name\0renamed"));
    expect(await guest.drain()).toEqual([]);
    // Removing data/host reaches the watch on data/host/deep/er below it, with the removed path.
    await dom0.request(XS_TYPE.RM, ["/local/domain/7/data/host"]);
    expect([await guest.event(), await guest.event(), await guest.event()]).toEqual(["data/host|rel", "/local/domain/7/data/host|abs", "data/host|below"]);
    // A test writing to the store directly fires the same watches.
    xs.store.write("/local/domain/7/data/direct", "1");
    expect([await guest.event(), await guest.event()]).toEqual(["data/direct|rel", "/local/domain/7/data/direct|abs"]);

    expect(text(await guest.request(XS_TYPE.UNWATCH, ["/local/domain/7/data", "abs"]))).toBe("OK|");
    expect(text(await guest.request(XS_TYPE.UNWATCH, ["/local/domain/7/data", "abs"]))).toBe("ENOENT|");
    expect(text(await guest.request(XS_TYPE.UNWATCH, ["data", "other-token"]))).toBe("ENOENT|");
    xs.store.write("/local/domain/7/data/again", "1");
    expect(await guest.event()).toBe("data/again|rel");
    expect(text(await guest.request(XS_TYPE.RESET_WATCHES, [""]))).toBe("OK|");
    xs.store.write("/local/domain/7/data/after-reset", "1");
    expect(await guest.drain()).toEqual([]);
  });

  test("quirkReqId: replies carry req_id 0, events a stale req_id", async () => {
    const { xs } = await daemon({ quirkReqId: true });
    const c = await raw(xs.guestSocket);
    const watchReqId = c.send(XS_TYPE.WATCH, pathPayload("data", "q"), { reqId: 41 });
    const reply = await c.next();
    expect({ type: reply.type, reqId: reply.reqId, payload: text(reply) }).toEqual({ type: XS_TYPE.WATCH, reqId: 0, payload: "OK|" });
    const initial = await c.next();
    expect({ type: initial.type, reqId: initial.reqId, payload: text(initial) }).toEqual({ type: XS_TYPE.WATCH_EVENT, reqId: watchReqId, payload: "data|q|" });
    c.send(XS_TYPE.WRITE, new TextEncoder().encode("data/k\0v"), { reqId: 42 });
    const [writeReply, event] = [await c.next(), await c.next()];
    expect([writeReply.type, writeReply.reqId, text(writeReply)]).toEqual([XS_TYPE.WRITE, 0, "OK|"]);
    expect([event.type, event.reqId, text(event)]).toEqual([XS_TYPE.WATCH_EVENT, 42, "data/k|q|"]);
    const error = await c.request(XS_TYPE.READ, ["nope"], { reqId: 43 });
    expect([error.type, error.reqId]).toEqual([XS_TYPE.ERROR, 0]);
  });

  test("noWatch: WATCH answers ENOSYS and nothing fires", async () => {
    const { xs } = await daemon({ noWatch: true });
    const c = await raw(xs.guestSocket);
    const reply = await c.request(XS_TYPE.WATCH, ["data", "t"], { reqId: 9 });
    expect({ type: reply.type, reqId: reply.reqId, payload: text(reply) }).toEqual({ type: XS_TYPE.ERROR, reqId: 9, payload: "ENOSYS|" });
    xs.store.write("/local/domain/7/data/x", "1");
    expect(await c.drain()).toEqual([]);
    expect(text(await c.request(XS_TYPE.READ, ["data/x"]))).toBe("1");
  });

  test("restart() closes every client, keeps the data, and serves new connections on the same paths", async () => {
    const { xs } = await daemon();
    const before = await raw(xs.guestSocket);
    const beforeDom0 = await raw(xs.socket);
    expect(text(await before.request(XS_TYPE.WRITE, new TextEncoder().encode("data/kept\0yes")))).toBe("OK|");
    expect(text(await before.request(XS_TYPE.WATCH, ["data", "t"]))).toBe("OK|");
    const tx = Number(text(await beforeDom0.request(XS_TYPE.TRANSACTION_START, [""])).replace(/\|$/, ""));
    await xs.restart();
    await Promise.all([before.closed, beforeDom0.closed]);
    expect([before.isClosed, beforeDom0.isClosed]).toEqual([true, true]);

    const after = await raw(xs.guestSocket);
    expect(text(await after.request(XS_TYPE.READ, ["data/kept"]))).toBe("yes");
    const afterDom0 = await raw(xs.socket);
    expect(text(await afterDom0.request(XS_TYPE.READ, ["/local/domain/7/data/kept"]))).toBe("yes");
    expect(text(await afterDom0.request(XS_TYPE.TRANSACTION_END, ["T"], { txId: tx }))).toBe("ENOENT|");
    expect(xs.connections()).toBe(2);
    expect(await cli("xenstore-read", ["data/kept"], xs.env("guest"))).toMatchObject({ code: 0, stdout: "yes\n" });
  });
});

describe("scripts/dev-xenstored.ts, the command", () => {
  const script = join(REPO, "scripts/dev-xenstored.ts");

  test("listens, serves xenstore-read, and on SIGTERM removes its sockets and exits 0", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tether-xs-cli-"));
    try {
      const socket = join(dir, "host.sock");
      const guestSocket = join(dir, "guest.sock");
      const child = Bun.spawn([process.execPath, script, "--socket", socket, "--guest-socket", guestSocket, "--domid", "5"], { cwd: REPO, stdout: "pipe", stderr: "pipe", stdin: "ignore" });
      try {
        const line = await lineReader(child.stdout)(5000);
        expect(line).toBe(`dev-xenstored listening: dom0 on ${socket}, domain 5 on ${guestSocket}`);
        expect(await cli("xenstore-read", ["/local/domain/5/vm"], { XENSTORED_PATH: socket })).toMatchObject({ code: 0, stdout: `/vm/${vmUuid(5)}\n` });
        expect(await cli("xenstore-read", ["name"], { XENSTORED_PATH: guestSocket })).toMatchObject({ code: 0, stdout: "guest-5\n" });
      } finally {
        child.kill("SIGTERM");
      }
      expect(await child.exited).toBe(0);
      expect([existsSync(socket), existsSync(guestSocket)]).toEqual([false, false]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("bad flags exit 2 with a message; --help names every flag", async () => {
    const run = async (args: string[]) => {
      const child = Bun.spawn([process.execPath, script, ...args], { cwd: REPO, stdout: "pipe", stderr: "pipe", stdin: "ignore" });
      const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
      return { stdout, stderr, code };
    };
    const bad = await run(["--socket", "/tmp/a", "--guest-socket", "/tmp/b", "--domid", "5", "--bogus"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("unknown argument: --bogus");
    const noDomid = await run(["--socket", "/tmp/a", "--guest-socket", "/tmp/b"]);
    expect([noDomid.code, noDomid.stderr.split("\n")[0]]).toEqual([2, "dev-xenstored: --domid is required"]);
    expect((await run(["--socket", "/tmp/a", "--guest-socket", "/tmp/b", "--domid", "0"])).code).toBe(2);
    const help = await run(["--help"]);
    expect(help.code).toBe(0);
    for (const flag of ["--socket", "--guest-socket", "--domid", "--quirk-req-id", "--no-watch", "--help"]) expect(help.stdout).toContain(flag);
  });
});
