import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createFakeHost } from "../../src/host/fake.ts";
import { createLogger } from "../../src/host/logger.ts";
import { createRealHost } from "../../src/host/real.ts";

const roots: string[] = [];
afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

async function realHost() {
  const root = mkdtempSync(join(tmpdir(), "tether-lock-"));
  roots.push(root);
  return { root, host: await createRealHost({ root, log: createLogger({ level: "silent", json: true }) }) };
}

describe("host.lock", () => {
  test("real: one holder at a time; released, it can be taken again", async () => {
    const { root, host } = await realHost();
    const lock = await host.lock("/run/tether/daemon.lock");
    expect(existsSync(join(root, "run/tether/daemon.lock"))).toBe(true);
    await expect(host.lock("/run/tether/daemon.lock")).rejects.toThrow("held by another running process");
    lock.release();
    const again = await host.lock("/run/tether/daemon.lock");
    again.release();
  });

  test("real: a holder in another process blocks; once it is killed with -9, the stale lock is taken over", async () => {
    const { root, host } = await realHost();
    const script = `const s = Bun.listen({ unix: ${JSON.stringify(join(root, "held.lock"))}, socket: { data() {} } }); console.log("held"); setInterval(() => {}, 1000);`;
    const holder = Bun.spawn([process.execPath, "-e", script], { stdout: "pipe" });
    const reader = holder.stdout.getReader();
    await reader.read();
    await expect(host.lock("/held.lock")).rejects.toThrow("held by another running process");
    holder.kill("SIGKILL");
    await holder.exited;
    expect(existsSync(join(root, "held.lock"))).toBe(true);
    const taken = await host.lock("/held.lock");
    taken.release();
  });

  test("fake: the same contract in memory", async () => {
    const host = createFakeHost();
    const lock = await host.lock("/run/x.lock");
    await expect(host.lock("/run/x.lock")).rejects.toThrow("held by another running process");
    lock.release();
    (await host.lock("/run/x.lock")).release();
  });
});
