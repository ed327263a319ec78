import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createFakeHost } from "../../src/host/fake.ts";
import { LockHeldError } from "../../src/host/lock-held.ts";
import { createLogger } from "../../src/host/logger.ts";
import { createRealHost } from "../../src/host/real.ts";
import type { Host } from "../../src/host/types.ts";

/** host.lock's contract, the same for the real host and its fake twin; then what only the real one can show. */
const roots: string[] = [];
afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

function tempRoot(): string {
  const root = mkdtempSync(join(tmpdir(), "tether-lockc-"));
  roots.push(root);
  return root;
}

const realHost = (root = tempRoot()) => createRealHost({ root, log: createLogger({ level: "silent", json: true }) });

async function heldError(promise: Promise<unknown>): Promise<LockHeldError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LockHeldError);
  return error as LockHeldError;
}

const hosts: [string, () => Promise<Host>][] = [
  ["real", () => realHost()],
  ["fake", async () => createFakeHost()],
];

for (const [name, make] of hosts) {
  describe(`host.lock contract (${name})`, () => {
    test("a second taker gets a LockHeldError naming the path and what the holder said of itself", async () => {
      const host = await make();
      const lock = await host.lock("/run/tether/boot.lock", { holder: "agent boot (pid 1, since then)" });
      const error = await heldError(host.lock("/run/tether/boot.lock", { holder: "another" }));
      expect(error.holder).toBe("agent boot (pid 1, since then)");
      expect(error.message).toBe("/run/tether/boot.lock is held by another running process: agent boot (pid 1, since then)");
      lock.release();
    });

    test("a holder that says nothing is named as such", async () => {
      const host = await make();
      const lock = await host.lock("/run/x.lock");
      expect((await heldError(host.lock("/run/x.lock"))).message).toBe("/run/x.lock is held by another running process: it did not say which");
      lock.release();
    });

    test("released, it can be taken again; a second release of the old lock frees nothing", async () => {
      const host = await make();
      const first = await host.lock("/run/x.lock");
      first.release();
      const second = await host.lock("/run/x.lock", { holder: "second" });
      first.release();
      expect((await heldError(host.lock("/run/x.lock"))).holder).toBe("second");
      second.release();
      (await host.lock("/run/x.lock")).release();
    });

    test("locks of different paths do not block each other", async () => {
      const host = await make();
      const a = await host.lock("/run/tether/boot.lock");
      const b = await host.lock("/run/tether/daemon.lock");
      a.release();
      b.release();
    });
  });
}

/** A process that takes host.lock(path) on `root` at `at` (epoch ms), prints won/held, and holds it for `holdMs`. */
function contender(root: string, path: string, at: number, holdMs: number) {
  const script = `
    import { createRealHost } from ${JSON.stringify(resolve(import.meta.dir, "../../src/host/real.ts"))};
    import { createLogger } from ${JSON.stringify(resolve(import.meta.dir, "../../src/host/logger.ts"))};
    const host = await createRealHost({ root: ${JSON.stringify(root)}, log: createLogger({ level: "silent", json: true }) });
    while (Date.now() < ${at}) await Bun.sleep(1);
    try {
      await host.lock(${JSON.stringify(path)}, { holder: "contender " + process.pid });
      console.log("won");
      await Bun.sleep(${holdMs});
    } catch (e) {
      console.log(e.constructor.name === "LockHeldError" ? "held" : "error " + e.message);
    }
    // A held lock's listening socket keeps the event loop alive.
    process.exit(0);`;
  const proc = Bun.spawn([process.execPath, "-e", script], { stdout: "pipe", stderr: "pipe" });
  return { proc, out: new Response(proc.stdout).text().then((t) => t.trim()) };
}

describe("host.lock (real): across processes", () => {
  test("two --root trees never block each other: each lock lives inside its tree", async () => {
    const [a, b] = [await realHost(), await realHost()];
    const la = await a.lock("/run/tether/boot.lock");
    const lb = await b.lock("/run/tether/boot.lock");
    expect(existsSync(join(a.root, "run/tether/boot.lock"))).toBe(true);
    la.release();
    lb.release();
    // Released: the socket file goes with it.
    expect(existsSync(join(a.root, "run/tether/boot.lock"))).toBe(false);
  });

  test("a holder in another process is named; killed with -9, its lock is taken over", async () => {
    const root = tempRoot();
    const holder = contender(root, "/run/tether/boot.lock", 0, 60_000);
    const host = await realHost(root);
    for (let i = 0; i < 200 && !existsSync(join(root, "run/tether/boot.lock")); i++) await Bun.sleep(20);
    expect((await heldError(host.lock("/run/tether/boot.lock"))).holder).toBe(`contender ${holder.proc.pid}`);
    holder.proc.kill("SIGKILL");
    await holder.proc.exited;
    expect(existsSync(join(root, "run/tether/boot.lock"))).toBe(true);
    (await host.lock("/run/tether/boot.lock")).release();
  }, 30_000);

  test("a stale lock and eight contenders at the same instant, five rounds: exactly one wins each time", async () => {
    for (let round = 0; round < 5; round++) {
      const root = tempRoot();
      const dead = contender(root, "/run/tether/boot.lock", 0, 60_000);
      for (let i = 0; i < 200 && !existsSync(join(root, "run/tether/boot.lock")); i++) await Bun.sleep(20);
      dead.proc.kill("SIGKILL");
      await dead.proc.exited;
      const at = Date.now() + 700;
      const outcomes = await Promise.all(Array.from({ length: 8 }, () => contender(root, "/run/tether/boot.lock", at, 800).out));
      expect(outcomes.filter((o) => o === "won").length).toBe(1);
      expect(outcomes.filter((o) => o === "held").length).toBe(7);
    }
  }, 60_000);
});
