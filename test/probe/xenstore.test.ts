import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "../../src/host/logger.ts";
import { createRealHost } from "../../src/host/real.ts";
import { xenstoreDetector, xenstoreEndpoints } from "../../src/probe/xenstore.ts";
import { startFakeXenstored } from "../helpers/fake-xenstored.ts";

const roots: string[] = [];
afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

/** A root with the dom0 socket path, served by the fake xenstored. */
function rootWithSocket(): string {
  const root = mkdtempSync(join(tmpdir(), "tx-"));
  roots.push(root);
  mkdirSync(join(root, "var/run/xenstored"), { recursive: true });
  mkdirSync(join(root, "proc/xen"), { recursive: true });
  return root;
}

async function detect(root: string, env: Record<string, string> = {}) {
  const host = { ...(await createRealHost({ root, log: createLogger({ level: "silent", json: true }) })), env };
  const [finding] = await xenstoreDetector.detect({ host, signal: AbortSignal.timeout(3000), metadataUrl: "http://127.0.0.1:9" });
  return finding;
}

describe("XenStore detector", () => {
  test("endpoints: $XENSTORED_PATH first, then the Xen tools' order", () => {
    expect(xenstoreEndpoints({ XENSTORED_PATH: "/tmp/xs" })).toEqual(["/tmp/xs", "/var/run/xenstored/socket", "/dev/xen/xenbus", "/proc/xen/xenbus"]);
    expect(xenstoreEndpoints({})[0]).toBe("/var/run/xenstored/socket");
  });

  test("a xenstored that answers DIRECTORY vm-data proves the channel", async () => {
    const root = rootWithSocket();
    const server = startFakeXenstored(join(root, "var/run/xenstored/socket"), { "vm-data/hostname": "web1", "vm-data/networking/525400123456": "{}" });
    try {
      const finding = await detect(root);
      expect(finding).toEqual({
        transport: "xenstore",
        verdict: "found",
        location: "/var/run/xenstored/socket",
        evidence: ["/proc/xen exists", "/var/run/xenstored/socket exists", "DIRECTORY vm-data answered: 2 entries"],
      });
      expect(server.requests.map((r) => r.type)).toEqual([1]);
    } finally {
      server.stop();
    }
  });

  test("vm-data missing, data present: found through data", async () => {
    const root = rootWithSocket();
    const server = startFakeXenstored(join(root, "var/run/xenstored/socket"), { "data/host/abc": "{}" });
    try {
      const finding = await detect(root);
      expect(finding?.verdict).toBe("found");
      expect(finding?.evidence.at(-1)).toBe("DIRECTORY data answered: 1 entry");
    } finally {
      server.stop();
    }
  });

  test("$XENSTORED_PATH is honoured, inside the root", async () => {
    const root = rootWithSocket();
    mkdirSync(join(root, "run"));
    const server = startFakeXenstored(join(root, "run/xs.sock"), { "vm-data/hostname": "a" });
    try {
      const finding = await detect(root, { XENSTORED_PATH: "/run/xs.sock" });
      expect(finding?.location).toBe("/run/xs.sock");
      expect(finding?.verdict).toBe("found");
    } finally {
      server.stop();
    }
  });

  test("a xenstored that never answers: maybe, within the proof's time limit", async () => {
    const root = rootWithSocket();
    const server = startFakeXenstored(join(root, "var/run/xenstored/socket"), {}, { silent: true });
    try {
      const started = performance.now();
      const finding = await detect(root);
      expect(performance.now() - started).toBeLessThan(1500);
      expect(finding?.verdict).toBe("maybe");
      expect(finding?.evidence.at(-1)).toBe("/var/run/xenstored/socket: no answer within 500 ms");
    } finally {
      server.stop();
    }
  });

  test("Xen signs without an endpoint: maybe; nothing at all: absent", async () => {
    const root = rootWithSocket();
    expect(await detect(root)).toEqual({ transport: "xenstore", verdict: "maybe", evidence: ["/proc/xen exists", "no xenstored socket or xenbus device"] });
    const empty = mkdtempSync(join(tmpdir(), "tx-"));
    roots.push(empty);
    expect((await detect(empty))?.verdict).toBe("absent");
  });
});
