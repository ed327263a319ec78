import { afterAll, describe, expect, test } from "bun:test";
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_RESTART_ARGV, displayUrl, downloadUpdate, parseAgentUpdate, planAgentUpdate, type AgentUpdateRequest } from "../../src/daemon/agent-update.ts";
import { executableProblem } from "../../src/daemon/binary-format.ts";
import { HostError, InputError } from "../../src/errors.ts";
import { createFakeHost } from "../../src/host/fake.ts";
import { createLogger } from "../../src/host/logger.ts";
import { createRealHost } from "../../src/host/real.ts";
import type { Host } from "../../src/host/types.ts";
import { applyPlan } from "../../src/plan/apply.ts";
import { failure, thrown } from "../helpers/failure.ts";

const servers: { stop(force?: boolean): void }[] = [];
const temps: string[] = [];
afterAll(() => {
  servers.splice(0).forEach((s) => s.stop(true));
  temps.forEach((d) => rmSync(d, { recursive: true, force: true }));
});

/** A download server on loopback. */
function serve(handler: (req: Request) => Response | Promise<Response>): string {
  const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: handler });
  servers.push(server);
  return `http://127.0.0.1:${server.port}`;
}

const MACHINE: Record<string, number> = { x64: 62, arm64: 183 };

/** A minimal 64-bit little-endian ELF header (type, machine) and a payload: what a Bun binary starts with. */
function fakeElf(payload = 4096, { type = 3, machine = MACHINE[process.arch] ?? 62 } = {}): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(64 + payload);
  bytes.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
  const view = new DataView(bytes.buffer);
  view.setUint16(16, type, true);
  view.setUint16(18, machine, true);
  for (let i = 64; i < bytes.length; i++) bytes[i] = i & 0xff;
  return bytes;
}

/** A minimal PE executable: MZ, e_lfanew, "PE\0\0", machine, characteristics. */
function fakePe({ machine = 0x8664, characteristics = 0x0022 } = {}): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(1024);
  bytes.set([0x4d, 0x5a]);
  const view = new DataView(bytes.buffer);
  view.setUint32(0x3c, 0x80, true);
  view.setUint32(0x80, 0x50450000, false);
  view.setUint16(0x84, machine, true);
  view.setUint16(0x80 + 22, characteristics, true);
  return bytes;
}

const md5 = (b: Uint8Array) => new Bun.CryptoHasher("md5").update(b).digest("hex");
const sha256 = (b: Uint8Array) => new Bun.CryptoHasher("sha256").update(b).digest("hex");
const asMd5 = (url: string, b: Uint8Array): AgentUpdateRequest => ({ url, digest: { algorithm: "md5", hex: md5(b) } });

async function realHost(root = "/"): Promise<Host & { logs: string[] }> {
  const logs: string[] = [];
  const host = await createRealHost({ root, log: createLogger({ level: "trace", json: false, write: (l) => void logs.push(l) }) });
  return Object.assign(host, { logs });
}

const OPTS = { maxBytes: 1 << 20, timeoutMs: 5000 };


describe("parseAgentUpdate", () => {
  test("url and MD5 (as nova sends it), or SHA-256; hex in either case, kept lower case", () => {
    expect(parseAgentUpdate("http://mirror.example/agent,0123456789ABCDEF0123456789abcdef")).toEqual({
      url: "http://mirror.example/agent",
      digest: { algorithm: "md5", hex: "0123456789abcdef0123456789abcdef" },
    });
    const sha = "A".repeat(64);
    expect(parseAgentUpdate(`https://mirror.example:8443/a/agent-linux-x64,${sha}`)).toEqual({
      url: "https://mirror.example:8443/a/agent-linux-x64",
      digest: { algorithm: "sha256", hex: "a".repeat(64) },
    });
  });

  test("split at the last comma: commas in the URL's path and query stay in the URL", () => {
    const hex = "f".repeat(32);
    expect(parseAgentUpdate(`https://cdn.example/v1,2/agent?parts=a,b,${hex}`).url).toBe("https://cdn.example/v1,2/agent?parts=a,b");
  });

  test("bad values are refused, naming the agentupdate value and the field", () => {
    const hex = "0".repeat(32);
    const cases: [unknown, string][] = [
      [42, 'agentupdate value: expected a string "<url>,<md5 hex>", got number'],
      [null, 'agentupdate value: expected a string "<url>,<md5 hex>", got null'],
      ["http://x/agent", 'agentupdate value: expected "<url>,<md5 hex>": no comma'],
      ["http://x/agent,", "agentupdate value: digest: expected 32 hex digits (MD5) or 64 (SHA-256), got 0 characters"],
      ["http://x/agent,abc", "agentupdate value: digest: expected 32 hex digits (MD5) or 64 (SHA-256), got 3 characters"],
      [`http://x/agent,${"g".repeat(32)}`, "agentupdate value: digest: expected 32 hex digits (MD5) or 64 (SHA-256), got 32 characters that are not all hex digits"],
      [`http://x/agent,${hex} `, "agentupdate value: digest: expected 32 hex digits (MD5) or 64 (SHA-256), got 33 characters that are not all hex digits"],
      [`http://x/agent,${"0".repeat(40)}`, "agentupdate value: digest: expected 32 hex digits (MD5) or 64 (SHA-256), got 40 characters"],
      [`,${hex}`, "agentupdate value: url: expected a URL before the comma"],
      [`/agent,${hex}`, "agentupdate value: url: not a valid absolute URL"],
      [`ftp://x/agent,${hex}`, "agentupdate value: url: expected an http or https URL, got ftp"],
      [`file:///usr/bin/agent,${hex}`, "agentupdate value: url: expected an http or https URL, got file"],
      [`javascript:alert(1),${hex}`, "agentupdate value: url: expected an http or https URL, got javascript"],
      [`http://admin:hunter2@x/agent,${hex}`, "agentupdate value: url: a URL with credentials (user:password@) is refused"],
      [`http://token@x/agent,${hex}`, "agentupdate value: url: a URL with credentials (user:password@) is refused"],
      [` http://x/agent,${hex}`, "agentupdate value: url: the URL contains whitespace or control characters"],
      [`http://x/ag\tent,${hex}`, "agentupdate value: url: the URL contains whitespace or control characters"],
      [`http://x/ag\nent,${hex}`, "agentupdate value: url: the URL contains whitespace or control characters"],
      [`http://x/${"a".repeat(9000)},${hex}`, "agentupdate value: expected at most 8192 characters, got 9042"],
    ];
    for (const [value, message] of cases) {
      const error = thrown(() => parseAgentUpdate(value));
      expect(error).toBeInstanceOf(InputError);
      expect(error.message).toBe(message);
    }
  });

  test("a URL is shown without its query, where signed URLs keep their signature", () => {
    expect(displayUrl("https://swift.example/v1/AUTH_x/c/agent?temp_url_sig=abc&temp_url_expires=1")).toBe("https://swift.example/v1/AUTH_x/c/agent?…");
    expect(displayUrl("http://127.0.0.1:8080/agent")).toBe("http://127.0.0.1:8080/agent");
  });
});

describe("executableProblem", () => {
  test("ELF on Linux: the header, the type and this machine's architecture", () => {
    expect(executableProblem(fakeElf(), "linux", process.arch)).toBeNull();
    expect(executableProblem(fakeElf(0, { type: 2 }), "linux", process.arch)).toBeNull();
    expect(executableProblem(fakeElf(100, { type: 1 }), "linux", process.arch)).toBe("an ELF file of type 1, not an executable (2 or 3)");
    expect(executableProblem(fakeElf(100, { machine: 183 }), "linux", "x64")).toBe("an ELF executable for machine 183 (64-bit), not for this x64 machine (62)");
    expect(executableProblem(fakeElf(100, { machine: 62 }), "linux", "arm64")).toBe("an ELF executable for machine 62 (64-bit), not for this arm64 machine (183)");
    expect(executableProblem(new TextEncoder().encode("<html>502 Bad Gateway</html>".padEnd(100)), "linux", "x64")).toBe("not an ELF executable (it starts with 3c 68 74 6d)");
    expect(executableProblem(fakeElf().subarray(0, 40), "linux", "x64")).toBe("not an ELF executable (it starts with 7f 45 4c 46)");
    expect(executableProblem(new Uint8Array(0), "linux", "x64")).toBe("not an ELF executable (it starts with nothing)");
    const badClass = fakeElf();
    badClass[4] = 3;
    expect(executableProblem(badClass, "linux", "x64")).toBe("a damaged ELF header (class, byte order or version)");
  });

  test("real peers: this machine's own programs pass, and so does the running bun", () => {
    for (const path of ["/bin/true", "/bin/sh", process.execPath]) {
      const fd = openSync(path, "r");
      const head = new Uint8Array(64);
      readSync(fd, head, 0, 64, 0);
      closeSync(fd);
      expect(executableProblem(head, "linux", process.arch)).toBeNull();
    }
  });

  test("PE on Windows: MZ, a PE header, an executable (not a DLL) for this machine", () => {
    expect(executableProblem(fakePe(), "win32", "x64")).toBeNull();
    expect(executableProblem(fakePe({ machine: 0xaa64 }), "win32", "x64")).toBe("a PE executable for machine 0xaa64, not for this x64 machine (0x8664)");
    expect(executableProblem(fakePe({ characteristics: 0x2022 }), "win32", "x64")).toBe("a PE file that is not an executable (a DLL or an object file)");
    expect(executableProblem(fakeElf(), "win32", "x64")).toBe('not a Windows executable (it starts with 7f 45 4c 46, not "MZ")');
    expect(executableProblem(fakePe(), "linux", "x64")).toBe("not an ELF executable (it starts with 4d 5a 00 00)");
    const dos = fakePe();
    dos.set([0, 0, 0, 0], 0x80);
    expect(executableProblem(dos, "win32", "x64")).toBe('an "MZ" file without a PE header (a DOS program or a damaged file)');
    const farOut = fakePe();
    new DataView(farOut.buffer).setUint32(0x3c, 0xfffffff0, true);
    expect(executableProblem(farOut, "win32", "x64")).toBe('an "MZ" file without a PE header (a DOS program or a damaged file)');
  });
});

describe("downloadUpdate from a loopback server", () => {
  test("an ELF checked by MD5, and by SHA-256", async () => {
    const elf = fakeElf(100_000);
    const base = serve(() => new Response(elf));
    const host = await realHost();
    expect(await downloadUpdate(host, asMd5(`${base}/agent`, elf), OPTS)).toEqual(elf);
    expect(await downloadUpdate(host, { url: `${base}/agent`, digest: { algorithm: "sha256", hex: sha256(elf).toUpperCase() } }, OPTS)).toEqual(elf);
    expect(host.logs.some((l) => l.includes(`[agent-update] downloaded 100064 bytes from ${base}/agent, md5 ${md5(elf)} as expected`))).toBe(true);
  });

  test("real peer: /bin/true served and taken", async () => {
    const binary = new Uint8Array(readFileSync("/bin/true"));
    const base = serve(() => new Response(binary));
    expect(await downloadUpdate(await realHost(), asMd5(`${base}/true`, binary), { ...OPTS, maxBytes: binary.length })).toEqual(binary);
  });

  test("the wrong digest is refused, naming the URL and both digests", async () => {
    const elf = fakeElf();
    const base = serve(() => new Response(elf));
    const wrong = "0".repeat(32);
    const error = await failure(downloadUpdate(await realHost(), { url: `${base}/agent`, digest: { algorithm: "md5", hex: wrong } }, OPTS));
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toBe(`agentupdate ${base}/agent: the md5 of the 4160 bytes downloaded is ${md5(elf)}, expected ${wrong}: refused`);
    const sha = await failure(downloadUpdate(await realHost(), { url: `${base}/agent`, digest: { algorithm: "sha256", hex: "1".repeat(64) } }, OPTS));
    expect(sha.message).toBe(`agentupdate ${base}/agent: the sha256 of the 4160 bytes downloaded is ${sha256(elf)}, expected ${"1".repeat(64)}: refused`);
  });

  test("an endless body is cut off while streaming, a little past the limit, and the server sees it go", async () => {
    let produced = 0;
    let cancelled = false;
    const chunk = new Uint8Array(64 * 1024).fill(0x41);
    const base = serve(
      () =>
        new Response(
          new ReadableStream({
            pull(controller) {
              produced += chunk.length;
              controller.enqueue(chunk);
            },
            cancel() {
              cancelled = true;
            },
          }),
        ),
    );
    const started = performance.now();
    const error = await failure(downloadUpdate(await realHost(), asMd5(`${base}/endless`, new Uint8Array(0)), { maxBytes: 1 << 20, timeoutMs: 20_000 }));
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toMatch(new RegExp(`^agentupdate ${base}/endless: the download is over the limit of 1048576 bytes; stopped reading at \\d+$`));
    const stoppedAt = Number(/at (\d+)$/.exec(error.message)?.[1]);
    expect(stoppedAt).toBeGreaterThan(1 << 20);
    // One chunk past the limit, however the runtime groups what arrived.
    expect(stoppedAt).toBeLessThanOrEqual(8 << 20);
    expect(performance.now() - started).toBeLessThan(5000);
    // The server stops producing soon after: the connection was dropped, not drained.
    await Bun.sleep(200);
    const settled = produced;
    await Bun.sleep(200);
    expect(produced).toBe(settled);
    expect(produced).toBeLessThan(64 * 1024 * 1024);
    expect(cancelled).toBe(true);
  });

  test("a declared Content-Length over the limit is refused before the body is read; the limit itself is fine", async () => {
    const elf = fakeElf(1000);
    const base = serve(() => new Response(elf));
    const error = await failure(downloadUpdate(await realHost(), asMd5(`${base}/big`, elf), { maxBytes: elf.length - 1, timeoutMs: 5000 }));
    expect(error.message).toBe(`agentupdate ${base}/big: the download is ${elf.length} bytes, over the limit of ${elf.length - 1} bytes`);
    expect(await downloadUpdate(await realHost(), asMd5(`${base}/big`, elf), { maxBytes: elf.length, timeoutMs: 5000 })).toEqual(elf);
  });

  test("a file that is not an executable for this machine is refused, even with the right digest", async () => {
    const page = new TextEncoder().encode(`<!DOCTYPE html><html><body>${"x".repeat(200)}</body></html>`);
    const foreign = fakeElf(100, { machine: process.arch === "arm64" ? 62 : 183 });
    const base = serve((req) => new Response(new URL(req.url).pathname === "/page" ? page : foreign));
    const host = await realHost();
    const error = await failure(downloadUpdate(host, asMd5(`${base}/page`, page), OPTS));
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toBe(`agentupdate ${base}/page: not an ELF executable (it starts with 3c 21 44 4f): refused`);
    expect((await failure(downloadUpdate(host, asMd5(`${base}/foreign`, foreign), OPTS))).message).toContain("not for this");
    // The same ELF, judged for the architecture it is for, passes.
    const arch = process.arch === "arm64" ? "x64" : "arm64";
    expect(await downloadUpdate(host, asMd5(`${base}/foreign`, foreign), { ...OPTS, arch })).toEqual(foreign);
  });

  test("on Windows the download must be a PE executable", async () => {
    const pe = fakePe();
    const elf = fakeElf();
    const base = serve((req) => new Response(new URL(req.url).pathname === "/agent.exe" ? pe : elf));
    const win: Host = { ...(await realHost()), platform: "win32" };
    expect(await downloadUpdate(win, asMd5(`${base}/agent.exe`, pe), { ...OPTS, arch: "x64" })).toEqual(pe);
    expect((await failure(downloadUpdate(win, asMd5(`${base}/agent`, elf), { ...OPTS, arch: "x64" }))).message).toBe(
      `agentupdate ${base}/agent: not a Windows executable (it starts with 7f 45 4c 46, not "MZ"): refused`,
    );
  });

  test("404 and 500 are refused as host errors naming the URL, never its query", async () => {
    const base = serve((req) => new Response("no", { status: new URL(req.url).pathname === "/gone" ? 404 : 500 }));
    const host = await realHost();
    const e404 = await failure(downloadUpdate(host, asMd5(`${base}/gone?temp_url_sig=SIGNATURE123`, fakeElf()), OPTS));
    expect(e404).toBeInstanceOf(HostError);
    expect(e404.message).toBe(`agentupdate: GET ${base}/gone?…: answered 404, expected 200`);
    expect((await failure(downloadUpdate(host, asMd5(`${base}/boom`, fakeElf()), OPTS))).message).toBe(`agentupdate: GET ${base}/boom: answered 500, expected 200`);
    expect(host.logs.join("\n")).not.toContain("SIGNATURE123");
  });

  test("only http and https are fetched, even when the request did not come through parseAgentUpdate", async () => {
    const host = createFakeHost({ fetch: () => new Response(fakeElf()) });
    for (const url of ["ftp://127.0.0.1/agent", "file:///bin/true", "http://user:pw@127.0.0.1/agent"]) {
      const error = await failure(downloadUpdate(host, asMd5(url, fakeElf()), OPTS));
      expect(error).toBeInstanceOf(InputError);
      expect(error.message).toStartWith("agentupdate value: url: ");
      expect(error.message).not.toContain("pw");
    }
    // An https URL is fetched (the fake host answers it; loopback tests have no TLS).
    expect(await downloadUpdate(host, asMd5("https://mirror.example/agent", fakeElf()), OPTS)).toEqual(fakeElf());
  });

  test("redirects on the same scheme are followed (relative ones too), at most five", async () => {
    const elf = fakeElf();
    const seen: string[] = [];
    const base = serve((req) => {
      const path = new URL(req.url).pathname;
      seen.push(path);
      if (path === "/a") return new Response(null, { status: 301, headers: { location: `${base}/b` } });
      if (path === "/b") return new Response(null, { status: 307, headers: { location: "/dir/c" } });
      if (path === "/dir/c") return new Response(null, { status: 302, headers: { location: "d" } });
      if (path === "/dir/d") return new Response(elf);
      const n = /^\/loop(\d+)$/.exec(path);
      if (n) return new Response(null, { status: 302, headers: { location: `/loop${Number(n[1]) + 1}` } });
      return new Response("no", { status: 404 });
    });
    const host = await realHost();
    expect(await downloadUpdate(host, asMd5(`${base}/a`, elf), OPTS)).toEqual(elf);
    expect(seen).toEqual(["/a", "/b", "/dir/c", "/dir/d"]);
    seen.length = 0;
    const error = await failure(downloadUpdate(host, asMd5(`${base}/loop0`, elf), OPTS));
    expect(error).toBeInstanceOf(HostError);
    expect(error.message).toBe(`agentupdate: GET ${base}/loop5 (redirected from ${base}/loop0): more than 5 redirects`);
    expect(seen).toEqual(["/loop0", "/loop1", "/loop2", "/loop3", "/loop4", "/loop5"]);
  });

  test("a redirect to another scheme, to credentials or without a Location is refused, and nothing more is fetched", async () => {
    const seen: string[] = [];
    const base = serve((req) => {
      const path = new URL(req.url).pathname;
      seen.push(path);
      const to: Record<string, string> = {
        "/to-https": `https://127.0.0.1:${new URL(req.url).port}/agent`,
        "/to-ftp": "ftp://127.0.0.1/agent",
        "/to-file": "file:///bin/true",
        "/to-creds": `http://u:secretpw@127.0.0.1:${new URL(req.url).port}/agent`,
      };
      if (to[path]) return new Response(null, { status: 302, headers: { location: to[path] as string } });
      if (path === "/no-location") return new Response(null, { status: 302 });
      return new Response(fakeElf());
    });
    const host = await realHost();
    const message = async (path: string) => (await failure(downloadUpdate(host, asMd5(`${base}${path}`, fakeElf()), OPTS))).message;
    expect(await message("/to-https")).toBe(`agentupdate: GET ${base}/to-https: redirected to https: refused, the download stays on http`);
    expect(await message("/to-ftp")).toBe(`agentupdate: GET ${base}/to-ftp: redirected to ftp: refused, the download stays on http`);
    expect(await message("/to-file")).toBe(`agentupdate: GET ${base}/to-file: redirected to file: refused, the download stays on http`);
    expect(await message("/to-creds")).toBe(`agentupdate: GET ${base}/to-creds: redirected to a refused URL: a URL with credentials (user:password@) is refused`);
    expect(await message("/no-location")).toBe(`agentupdate: GET ${base}/no-location: answered 302 without a Location`);
    expect(seen).toEqual(["/to-https", "/to-ftp", "/to-file", "/to-creds", "/no-location"]);
  });

  test("a server that stalls is given up on at the timeout; a cancel stops it too", async () => {
    const base = serve((req) =>
      new URL(req.url).pathname === "/stall-body"
        ? new Response(new ReadableStream({ start(c) { c.enqueue(fakeElf().subarray(0, 64)); } }))
        : new Promise<Response>(() => {}),
    );
    const host = await realHost();
    const t0 = performance.now();
    const headers = await failure(downloadUpdate(host, asMd5(`${base}/stall-headers`, fakeElf()), { maxBytes: 1 << 20, timeoutMs: 300 }));
    expect(headers).toBeInstanceOf(HostError);
    expect(headers.message).toBe(`agentupdate: GET ${base}/stall-headers: not done within 300 ms`);
    const body = await failure(downloadUpdate(host, asMd5(`${base}/stall-body`, fakeElf()), { maxBytes: 1 << 20, timeoutMs: 300 }));
    expect(body.message).toBe(`agentupdate: GET ${base}/stall-body: not done within 300 ms`);
    expect(performance.now() - t0).toBeLessThan(3000);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const cancelled = await failure(downloadUpdate(host, asMd5(`${base}/stall-body`, fakeElf()), { maxBytes: 1 << 20, timeoutMs: 10_000, signal: controller.signal }));
    expect(cancelled.message).toBe(`agentupdate: GET ${base}/stall-body: cancelled`);
  });

  test("no server: a connection error naming the URL", async () => {
    const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("") });
    const url = `http://127.0.0.1:${server.port}/agent`;
    server.stop(true);
    const error = await failure(downloadUpdate(await realHost(), asMd5(url, fakeElf()), OPTS));
    expect(error).toBeInstanceOf(HostError);
    expect(error.message).toStartWith(`agentupdate: GET ${url}: connection error: `);
  });
});

describe("planAgentUpdate", () => {
  const bytes = new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 1, 2, 3]);
  const SHA = "22b943d127b7b41a8abae568e088d3faa73b822d5cc84439059c0b1f13ba5f02";

  test("golden: the write of the binary 0755, then the restart through systemd", () => {
    expect(sha256(bytes)).toBe(SHA);
    expect(planAgentUpdate(bytes, { binaryPath: "/usr/local/bin/agent", offline: false })).toEqual({
      instanceId: "agent-update",
      steps: [
        {
          action: "agent-update",
          changes: [
            { kind: "write", path: "/usr/local/bin/agent", content: bytes, mode: 0o755, reason: `agentupdate: the new agent (7 bytes, sha256 ${SHA})` },
            { kind: "run", argv: ["systemctl", "--no-block", "restart", "tether-daemon.service"], timeoutMs: 30000, reason: "agentupdate: restart the daemon on the new binary" },
          ],
        },
      ],
    });
    expect(DEFAULT_RESTART_ARGV).toEqual(["systemctl", "--no-block", "restart", "tether-daemon.service"]);
  });

  test("offline (a --root image): the write alone; a restart command of the caller's choosing otherwise", () => {
    const offline = planAgentUpdate(bytes, { binaryPath: "/usr/local/bin/agent", offline: true });
    expect(offline.steps[0]?.changes.map((c) => c.kind)).toEqual(["write"]);
    const openrc = planAgentUpdate(bytes, { binaryPath: "/opt/agent", offline: false, restartArgv: ["rc-service", "tether-daemon", "restart"] });
    expect(openrc.steps[0]?.changes[1]).toMatchObject({ kind: "run", argv: ["rc-service", "tether-daemon", "restart"] });
    expect(openrc.steps[0]?.changes[0]).toMatchObject({ kind: "write", path: "/opt/agent" });
  });
});

describe("the whole update, applied", () => {
  function tempRoot(): string {
    const root = mkdtempSync(join(tmpdir(), "tether-update-"));
    temps.push(root);
    mkdirSync(join(root, "usr/local/bin"), { recursive: true });
    return root;
  }

  test("on a real --root: the binary replaced by rename, 0755, the old one kept as .tether-bak", async () => {
    const root = tempRoot();
    const binary = join(root, "usr/local/bin/agent");
    const old = fakeElf(5000, { type: 2 });
    writeFileSync(binary, old, { mode: 0o700 });
    const before = statSync(binary);
    // A running agent holds its binary open: it must go on seeing the old file, whole.
    const held = openSync(binary, "r");

    const elf = fakeElf(200_000);
    const base = serve(() => new Response(elf));
    const host = await realHost(root);
    const bytes = await downloadUpdate(host, asMd5(`${base}/agent`, elf), OPTS);
    const plan = planAgentUpdate(bytes, { binaryPath: "/usr/local/bin/agent", offline: true });
    const result = await applyPlan(host, plan);
    expect(result.ok).toBe(true);
    expect(result.steps.map((s) => [s.kind, s.target, s.status, s.message])).toEqual([
      ["write", "/usr/local/bin/agent", "ok", "replaced, previous version kept as /usr/local/bin/agent.tether-bak"],
    ]);

    expect(new Uint8Array(readFileSync(binary))).toEqual(elf);
    const after = statSync(binary);
    expect(after.mode & 0o7777).toBe(0o755);
    expect(after.ino).not.toBe(before.ino);
    expect(new Uint8Array(readFileSync(`${binary}.tether-bak`))).toEqual(old);
    expect(statSync(`${binary}.tether-bak`).mode & 0o7777).toBe(0o700);
    expect(readdirSync(join(root, "usr/local/bin")).sort()).toEqual(["agent", "agent.tether-bak"]);
    const seen = new Uint8Array(old.length + 10);
    expect(readSync(held, seen, 0, seen.length, 0)).toBe(old.length);
    expect(seen.subarray(0, old.length)).toEqual(old);
    closeSync(held);
  });

  test("a failed check changes nothing on the machine", async () => {
    const root = tempRoot();
    const binary = join(root, "usr/local/bin/agent");
    writeFileSync(binary, "old", { mode: 0o755 });
    const base = serve(() => new Response(fakeElf()));
    const host = await realHost(root);
    await failure(downloadUpdate(host, { url: `${base}/agent`, digest: { algorithm: "md5", hex: "0".repeat(32) } }, OPTS));
    expect(readFileSync(binary, "utf8")).toBe("old");
    expect(existsSync(`${binary}.tether-bak`)).toBe(false);
    expect(readdirSync(root)).toEqual(["usr"]);
  });

  test("online: after the swap, systemctl --no-block restarts the daemon (on a fake host)", async () => {
    const elf = fakeElf();
    const host = createFakeHost({
      tree: { "/usr/local/bin/agent": { content: "old", mode: 0o755 } },
      fetch: () => new Response(elf),
      programs: { systemctl: () => ({ code: 0 }) },
    });
    const bytes = await downloadUpdate(host, asMd5("http://mirror.example/agent", elf), OPTS);
    const result = await applyPlan(host, planAgentUpdate(bytes, { binaryPath: "/usr/local/bin/agent", offline: false }));
    expect(result.ok).toBe(true);
    expect(result.steps.map((s) => [s.kind, s.status])).toEqual([
      ["write", "ok"],
      ["run", "ok"],
    ]);
    expect(host.calls.map((c) => c.argv)).toEqual([["systemctl", "--no-block", "restart", "tether-daemon.service"]]);
    expect(await host.fs.readFile("/usr/local/bin/agent")).toEqual(elf);
    expect((await host.fs.stat("/usr/local/bin/agent"))?.mode).toBe(0o755);
    expect(new TextDecoder().decode(await host.fs.readFile("/usr/local/bin/agent.tether-bak"))).toBe("old");
  });
});
