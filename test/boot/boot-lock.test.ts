import { describe, expect, test } from "bun:test";
import { BOOT_LOCK, holderOf, withBootLock } from "../../src/boot/boot-lock.ts";
import { HostError } from "../../src/errors.ts";
import { createFakeHost } from "../../src/host/fake.ts";

/** withBootLock on the fake host: the wait, its bound, and the release whatever happens inside. */
describe("withBootLock", () => {
  const options = (host: ReturnType<typeof createFakeHost>, waitMs: number) => ({ holder: holderOf(host, "this run"), waitMs, log: host.log, hint: "a hint" });

  test("free: runs, holding the lock, and releases it", async () => {
    const host = createFakeHost();
    const value = await withBootLock(host, options(host, 0), async () => {
      await expect(host.lock(BOOT_LOCK)).rejects.toThrow(`held by another running process: this run (pid ${process.pid}, since 2026-01-01T00:00:00.000Z)`);
      return 42;
    });
    expect(value).toBe(42);
    (await host.lock(BOOT_LOCK)).release();
  });

  test("held: waits, saying once for whom, and runs once the holder lets go", async () => {
    const host = createFakeHost();
    const other = await host.lock(BOOT_LOCK, { holder: "agent boot (pid 7)" });
    setTimeout(() => other.release(), 500);
    const t0 = performance.now();
    let ran = false;
    await withBootLock(host, options(host, 5000), async () => {
      ran = true;
    });
    expect(ran).toBe(true);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(450);
    expect(host.logs.filter((l) => l.includes("waiting up to 5 s for agent boot (pid 7) to finish: it holds /run/tether/boot.lock"))).toHaveLength(1);
    expect(host.logs.some((l) => l.includes("/run/tether/boot.lock is free after"))).toBe(true);
  });

  test("held past the bound: a HostError naming the holder and the hint; nothing run", async () => {
    const host = createFakeHost();
    await host.lock(BOOT_LOCK, { holder: "agent daemon's apply of instance i-1 (pid 9)" });
    let ran = false;
    const run = withBootLock(host, options(host, 300), async () => {
      ran = true;
    });
    await expect(run).rejects.toThrow(new HostError("another run holds /run/tether/boot.lock: agent daemon's apply of instance i-1 (pid 9); gave up after 0 s (a hint)"));
    expect(ran).toBe(false);
  });

  test("a failure inside still releases the lock; other lock errors pass through", async () => {
    const host = createFakeHost();
    await expect(withBootLock(host, options(host, 0), async () => Promise.reject(new Error("apply broke")))).rejects.toThrow("apply broke");
    (await host.lock(BOOT_LOCK)).release();
    const broken = { ...host, lock: () => Promise.reject(new HostError("lock /run/tether/boot.lock: read-only file system")) };
    await expect(withBootLock(broken, options(host, 5000), async () => 1)).rejects.toThrow("read-only file system");
  });
});
