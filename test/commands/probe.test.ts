import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { blockedDevice } from "../helpers/blocked-device.ts";
import { startFakeXenstored } from "../helpers/fake-xenstored.ts";
import { runAgent } from "../helpers/run-agent.ts";

const cleanup: (() => void)[] = [];
afterAll(() => cleanup.forEach((f) => f()));

/** A fixture root: a small table of files. */
function root(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "tp-"));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

/** A loopback port with nothing listening: the metadata service is absent at once. */
async function closedPortUrl(): Promise<string> {
  const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const url = `http://127.0.0.1:${listener.port}`;
  listener.stop(true);
  return url;
}

function openstackServer(): string {
  const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: (req) => (new URL(req.url).pathname === "/openstack" ? new Response("latest\n") : new Response("", { status: 404 })) });
  cleanup.push(() => server.stop(true));
  return `http://127.0.0.1:${server.port}`;
}

describe("agent probe", () => {
  test("a xenbus device that never answers: maybe, and the probe still ends (no read left blocked)", async () => {
    const tree = root();
    const device = await blockedDevice(tree);
    // First in line: the mount must be gone before the tree is removed.
    cleanup.unshift(device.release);
    const run = await runAgent(["probe", "--root", tree, "--metadata-url", await closedPortUrl(), "--json"], { env: { XENSTORED_PATH: device.path } });
    const xenstore = JSON.parse(run.stdout).candidates.find((c: { transport: string }) => c.transport === "xenstore");
    expect(xenstore).toMatchObject({ verdict: "maybe", location: device.path });
    expect(xenstore.evidence).toContain(`${device.path}: no answer within 500 ms`);
  });

  test("an empty root and no metadata service: exit 1, a table saying why", async () => {
    const run = await runAgent(["probe", "--root", root(), "--metadata-url", await closedPortUrl()]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^TRANSPORT\s+VERDICT\s+MS\s+EVIDENCE$/m);
    for (const t of ["config-drive", "nocloud", "metadata-http", "xenstore", "virtio"]) expect(run.stdout).toMatch(new RegExp(`^${t}\\s+absent`, "m"));
    expect(run.stdout).toContain("instance data from: none");
    expect(run.stderr).toContain("nothing usable found");
  });

  test("--json: chosen, candidates with evidence and ms, platform, elapsedMs", async () => {
    const url = openstackServer();
    const tree = root({
      "sys/class/dmi/id/sys_vendor": "OpenStack Foundation\n",
      "sys/class/dmi/id/product_name": "OpenStack Nova\n",
      "sys/class/virtio-ports/vport0p1/name": "org.qemu.guest_agent.0\n",
      "dev/vport0p1": "",
    });
    const run = await runAgent(["probe", "--root", tree, "--metadata-url", url, "--json"]);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.chosen).toBe("metadata-http");
    expect(result.channel).toBe("virtio");
    expect(result.platform).toMatchObject({ os: "linux", cloud: "openstack", dmi: { sys_vendor: "OpenStack Foundation" } });
    expect(result.candidates.map((c: { transport: string }) => c.transport)).toEqual(["config-drive", "nocloud", "metadata-http", "xenstore", "virtio"]);
    for (const c of result.candidates) {
      expect(["found", "maybe", "absent", "skipped"]).toContain(c.verdict);
      expect(c.evidence.length).toBeGreaterThan(0);
      expect(typeof c.ms).toBe("number");
    }
    expect(result.candidates.find((c: { transport: string }) => c.transport === "virtio").location).toBe("/dev/vport0p1");
    expect(typeof result.elapsedMs).toBe("number");
  });

  test("a local source found: the metadata service is not asked", async () => {
    const requests: string[] = [];
    const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: (req) => (requests.push(req.url), new Response("latest")) });
    cleanup.push(() => server.stop(true));
    const tree = root({ "var/run/xenstored/.keep": "" });
    const xs = startFakeXenstored(join(tree, "var/run/xenstored/socket"), { "vm-data/hostname": "x" });
    cleanup.push(xs.stop);
    const run = await runAgent(["probe", "--root", tree, "--metadata-url", `http://127.0.0.1:${server.port}`, "--json"]);
    const result = JSON.parse(run.stdout);
    expect(result.chosen).toBe("xenstore");
    expect(result.candidates.find((c: { transport: string }) => c.transport === "metadata-http")).toMatchObject({
      verdict: "skipped",
      evidence: ["not asked: xenstore was found locally"],
    });
    expect(requests).toEqual([]);
  });

  test("tether.transport= on the kernel command line picks the transport", async () => {
    const tree = root({ "proc/cmdline": "ro quiet tether.transport=metadata-http\n", "var/run/xenstored/.keep": "" });
    const xs = startFakeXenstored(join(tree, "var/run/xenstored/socket"), { "vm-data/hostname": "x" });
    cleanup.push(xs.stop);
    const run = await runAgent(["probe", "--root", tree, "--metadata-url", openstackServer(), "--json"]);
    const result = JSON.parse(run.stdout);
    expect(result.chosen).toBe("metadata-http");
    expect(result.platform.forcedTransport).toBe("metadata-http");
  });

  test("ds=nocloud;s=URL on the command line is a NoCloud source", async () => {
    const tree = root({ "proc/cmdline": "ds=nocloud;s=http://127.0.0.1:1/seed/\n" });
    const run = await runAgent(["probe", "--root", tree, "--metadata-url", await closedPortUrl(), "--json"]);
    const result = JSON.parse(run.stdout);
    expect(result.chosen).toBe("nocloud");
    expect(result.candidates.find((c: { transport: string }) => c.transport === "nocloud")).toMatchObject({ verdict: "found", location: "http://127.0.0.1:1/seed/" });
  });

  test("a metadata server that never answers: the budget holds", async () => {
    const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    cleanup.push(() => listener.stop(true));
    const run = await runAgent(["probe", "--root", root(), "--metadata-url", `http://127.0.0.1:${listener.port}`, "--budget-ms", "300", "--json"]);
    const result = JSON.parse(run.stdout);
    expect(result.elapsedMs).toBeLessThan(300 + 100);
    expect(result.candidates.find((c: { transport: string }) => c.transport === "metadata-http").evidence[0]).toContain("no answer within the 300 ms budget");
  });

  const usage: [string[], string][] = [
    [["--metadata-url", "169.254.169.254"], '--metadata-url "169.254.169.254": not a URL'],
    [["--metadata-url", "file:///etc/passwd"], "expected http:// or https://"],
    [["--metadata-url", "http://127.0.0.1:9", "--budget-ms", "soon"], '--budget-ms "soon": expected a whole number'],
    [["--metadata-url", "http://127.0.0.1:9", "--budget-ms", "0"], "from 10 to 60000"],
  ];
  for (const [argv, message] of usage) {
    test(`usage: probe ${argv.join(" ")}`, async () => {
      const run = await runAgent(["probe", "--root", root(), ...argv]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(message);
    });
  }
});
