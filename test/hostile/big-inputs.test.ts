import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { indexOfBytes, Workspace } from "../helpers/make-images.ts";
import { serve, stopServers } from "../transports/metadata-http/fake-imds.ts";
import { cleanCases, CLEANUP_MS, configDriveCase, measured, newCase, outsideOf, userDataCase } from "./rig.ts";

/**
 * A gigabyte where kilobytes are expected: user-data, meta_data.json, network_data.json, a probe's
 * answer. Served from a generator on loopback (nothing of it is ever held by the test), or as
 * sparse files in a seed and a config-drive image. Each is refused fast, naming the file or the
 * URL, with the agent's peak memory (getrusage maxrss, measured by peak-rss.ts) near its idle size.
 */
const GB = 1 << 30;
const MB = 1 << 20;
/** The agent's own size doing nothing much is ~55-75 MB; reading a gigabyte would be far past this. */
const RSS_BOUND = 200 * MB;
const ws = new Workspace();
const raw: { stop(closeActive?: boolean): void }[] = [];
afterAll(() => {
  cleanCases();
  stopServers();
  raw.splice(0).forEach((l) => l.stop(true));
  ws.remove();
}, CLEANUP_MS);

/** `size` bytes of "a", made one MiB chunk at a time as they are asked for; `sent` counts them. */
function generated(size: number): { stream: ReadableStream<Uint8Array>; sent: () => number } {
  const chunk = new Uint8Array(MB).fill(0x61);
  let sent = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= size) return controller.close();
      controller.enqueue(chunk);
      sent += chunk.length;
    },
  });
  return { stream, sent: () => sent };
}

const bootHttp = (url: string) => measured(["boot", "--dry-run", "--root", newCase().root, "--metadata-url", url, "--transport", "metadata-http"]);

describe("a metadata service that answers a gigabyte", () => {
  test("EC2 user-data of 1 GiB, no length announced: refused at 16 MiB, naming the URL; bounded memory; the rest never read", async () => {
    let body: ReturnType<typeof generated> | null = null;
    const url = serve((req) => {
      const path = new URL(req.url).pathname;
      if (req.method === "PUT") return new Response("token");
      if (path === "/latest/meta-data/instance-id") return new Response("i-big");
      if (path === "/latest/user-data") return new Response((body = generated(GB)).stream);
      return new Response("", { status: 404 });
    });
    const run = await bootHttp(url);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`agent: ${url}/latest/user-data: the answer is over the limit of ${16 * MB} bytes`);
    expect(run.maxRss).toBeLessThan(RSS_BOUND);
    expect(run.ms).toBeLessThan(10_000);
    // what the socket buffers took beyond the limit, not the gigabyte
    expect((body as ReturnType<typeof generated> | null)?.sent() ?? 0).toBeLessThan(256 * MB);
  }, 30_000);

  test("EC2 user-data announcing 1 GiB (Content-Length), then 64 KiB and a stall: refused on the header", async () => {
    // Raw HTTP: Bun.serve would send a stream chunked, whatever Content-Length it is given.
    const listener = Bun.listen({
      hostname: "127.0.0.1",
      port: 0,
      socket: {
        data(socket, data) {
          const [method, path] = data.toString("latin1").split(" ");
          if (path === "/latest/user-data") {
            socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${GB}\r\n\r\n${"a".repeat(65536)}`);
            return; // and never another byte
          }
          const body = method === "PUT" ? "token" : path === "/latest/meta-data/instance-id" ? "i-big" : "";
          socket.write(`HTTP/1.1 ${body ? "200 OK" : "404 Not Found"}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
          socket.end();
        },
      },
    });
    raw.push(listener);
    const url = `http://127.0.0.1:${listener.port}`;
    const run = await bootHttp(url);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${url}/latest/user-data: the answer is ${GB} bytes, over the limit of ${16 * MB} bytes`);
    expect(run.maxRss).toBeLessThan(RSS_BOUND);
    expect(run.ms).toBeLessThan(5000);
  }, 30_000);

  test.each(["meta_data.json", "network_data.json", "user_data"])("OpenStack %s of 1 GiB: refused naming the URL, bounded memory", async (name) => {
    const url = serve((req) => {
      const path = new URL(req.url).pathname;
      if (path === "/openstack") return new Response("latest\n");
      if (path === "/openstack/latest/meta_data.json") return name === "meta_data.json" ? new Response(generated(GB).stream) : Response.json({ uuid: "os-big" });
      if (path === `/openstack/latest/${name}`) return new Response(generated(GB).stream);
      return new Response("", { status: 404 });
    });
    const run = await bootHttp(url);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`agent: ${url}/openstack/latest/${name}: the answer is over the limit of`);
    expect(run.maxRss).toBeLessThan(RSS_BOUND);
    expect(run.ms).toBeLessThan(10_000);
  }, 30_000);

  test("the probe's own questions (GET /openstack, the EC2 token) answered with 1 GiB: 64 KiB read, then not a metadata service", async () => {
    const url = serve((req) => {
      const path = new URL(req.url).pathname;
      if (path === "/openstack") return new Response(generated(GB).stream);
      if (req.method === "PUT") return new Response(generated(GB).stream);
      return new Response("", { status: 404 });
    });
    // Before the probe read its answers with a bound, this took ~800 MB within the 1.5 s budget.
    const run = await measured(["probe", "--root", newCase().root, "--metadata-url", url, "--json"]);
    expect(run.maxRss).toBeLessThan(RSS_BOUND);
    const boot = await bootHttp(url);
    expect(boot.code).toBe(1);
    expect(boot.stderr).toContain("GET /openstack → 200, but over 65536 bytes: not a list of versions");
    expect(boot.maxRss).toBeLessThan(RSS_BOUND);
  }, 30_000);
});

describe("a gigabyte on a seed or a config drive: sparse files, refused by size before a byte is read", () => {
  test.each([
    ["user-data", 16 * MB],
    ["meta-data", MB],
    ["network-config", MB],
    ["vendor-data", 16 * MB],
  ])("NoCloud %s of 1 GiB", async (name, limit) => {
    const c = userDataCase("#cloud-config\n");
    writeFileSync(join(c.seed, name), "");
    truncateSync(join(c.seed, name), GB);
    const outside = outsideOf(c);
    const run = await measured(["boot", "--seed", c.seed, "--root", c.root]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`agent: ${c.seed}/${name}: ${GB} bytes is over the limit of ${limit} bytes`);
    expect(run.maxRss).toBeLessThan(RSS_BOUND);
    expect(run.ms).toBeLessThan(5000);
    expect(outsideOf(c)).toEqual(outside);
  });

  test.each(["meta_data.json", "network_data.json", "user_data"])("config-drive tree: openstack/latest/%s of 1 GiB", async (name) => {
    const c = configDriveCase({});
    if (name !== "meta_data.json") writeFileSync(join(c.seed, "openstack/latest", name), "");
    truncateSync(join(c.seed, "openstack/latest", name), GB);
    const run = await measured(["boot", "--seed", c.seed, "--root", c.root]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`agent: ${c.seed}:openstack/latest/${name}: ${GB} bytes is over the limit of`);
    expect(run.maxRss).toBeLessThan(RSS_BOUND);
  });

  test("a config-drive ISO whose user_data says 1 GiB (a sparse image of 1 GiB): refused by size, the extent never read", async () => {
    const marker = "U".repeat(2048);
    const tree = ws.tree("iso-tree", { "openstack/latest/meta_data.json": JSON.stringify({ uuid: "iso-big" }), "openstack/latest/user_data": marker });
    const bytes = await ws.iso("genisoimage", ["-J", "-R", "-V", "config-2"], tree, "big.iso");
    // The file's directory records (ISO and Joliet) name its extent and its size, both-endian: the size becomes 1 GiB.
    const at = indexOfBytes(bytes, marker);
    const le = (n: number) => [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, (n >>> 24) & 255];
    const record = new Uint8Array([...le(at / 2048), ...le(at / 2048).reverse(), ...le(2048), ...le(2048).reverse()]);
    let patched = 0;
    for (let p = indexOfBytes(bytes, record); p >= 0; p = indexOfBytes(bytes, record, p + 1), patched++) bytes.set([...le(GB), ...le(GB).reverse()], p + 8);
    expect(patched).toBe(2);
    const c = newCase();
    mkdirSync(join(c.root, "sys/class/block/vdb"), { recursive: true });
    writeFileSync(join(c.root, "sys/class/block/vdb/dev"), "254:16\n");
    mkdirSync(join(c.root, "dev"));
    const image = join(c.root, "dev/vdb");
    writeFileSync(image, bytes);
    truncateSync(image, at + GB + 4096);
    expect(statSync(image).blocks * 512).toBeLessThan(16 * MB);
    const run = await measured(["boot", "--dry-run", "--root", c.root, "--metadata-url", "http://127.0.0.1:9"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`agent: /dev/vdb:openstack/latest/user_data: ${GB} bytes is over the limit of ${16 * MB} bytes`);
    expect(run.maxRss).toBeLessThan(RSS_BOUND);
    expect(run.ms).toBeLessThan(5000);
  }, 30_000);
});
