/**
 * Regression tests, on a fake host, for what the disk-full sweep (disk-full.test.ts) found: each
 * one fails on the code before its fix.
 */
import { describe, expect, test } from "bun:test";
import { FsError } from "../../src/host/fs-error.ts";
import { createFakeHost, type FakeHost } from "../../src/host/fake.ts";
import { applyPlan } from "../../src/plan/apply.ts";
import { writeAtomic } from "../../src/plan/fs-helpers.ts";
import { plan, treeOf } from "../plan/helpers.ts";

const ACCOUNTS = {
  "/etc/passwd": "root:x:0:0::/root:/bin/sh\n",
  "/etc/shadow": "root:*:19000::::::\n",
  "/etc/group": "root:x:0:\n",
  "/etc/gshadow": "root:*::\n",
  "/etc/hostname": "old\n",
};

/** The host's fs runs out of space on any write whose path matches `full`: half the bytes land first, as write(2) does. */
function fillUp(host: FakeHost, full: (path: string) => boolean): void {
  const writeFile = host.fs.writeFile.bind(host.fs);
  host.fs.writeFile = async (path, data, options) => {
    if (!full(path)) return writeFile(path, data, options);
    const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
    await writeFile(path, bytes.subarray(0, bytes.length >> 1), options);
    throw new FsError("ENOSPC", "write", path);
  };
}

const temps = (tree: Record<string, string>) => Object.keys(tree).filter((p) => p.endsWith(".tether-tmp"));

describe("faults found by the disk-full sweep", () => {
  test("writeAtomic out of space: no temp left behind, the error names the file, the old one intact", async () => {
    const host = createFakeHost({ tree: ACCOUNTS });
    fillUp(host, (p) => p.endsWith(".tether-tmp"));
    const error = await writeAtomic(host.fs, "/etc/hostname", "new\n", { mode: 0o644 }).catch((e: unknown) => e as FsError);
    expect(error).toBeInstanceOf(FsError);
    expect((error as FsError).message).toBe("write /etc/hostname: no space left on device");
    expect(temps(await treeOf(host.fs))).toEqual([]);
    expect(await host.fs.readText("/etc/hostname")).toBe("old\n");
  });

  test("a useradd that runs out of space half way: the databases it changed are put back, so the next run adds the user whole", async () => {
    let host: FakeHost;
    const useradd = async () => {
      // What shadow-utils does: passwd first (done), then shadow (no space).
      await host.fs.writeFile("/etc/passwd", `${ACCOUNTS["/etc/passwd"]}ops:x:1000:1000::/home/ops:/bin/sh\n`, { mode: 0o644 });
      return { code: 1, stderr: "useradd: failure while writing changes to /etc/shadow\n" };
    };
    host = createFakeHost({ tree: ACCOUNTS, programs: { useradd } });
    await host.fs.chmod("/etc/shadow", 0o640);
    const result = await applyPlan(host, plan([["users", [{ kind: "run", argv: ["useradd", "-m", "ops"], reason: "" }]]]));
    expect(result.ok).toBe(false);
    expect(result.steps[0]?.message).toBe("exited 1: useradd: failure while writing changes to /etc/shadow; /etc/passwd put back as before it");
    expect(await host.fs.readText("/etc/passwd")).toBe(ACCOUNTS["/etc/passwd"]);
    expect((await host.fs.stat("/etc/shadow"))?.mode).toBe(0o640);
    expect(temps(await treeOf(host.fs))).toEqual([]);
  });

  test("a failing program that is not an account tool changes nothing it did not do itself", async () => {
    let host: FakeHost;
    const script = async () => {
      await host.fs.writeFile("/etc/passwd", "changed by a script\n", { mode: 0o644 });
      return { code: 3 };
    };
    host = createFakeHost({ tree: ACCOUNTS, programs: { script } });
    const result = await applyPlan(host, plan([["scripts", [{ kind: "run", argv: ["/usr/local/bin/script"], reason: "" }]]]));
    expect(result.steps[0]?.message).toBe("exited 3");
    expect(await host.fs.readText("/etc/passwd")).toBe("changed by a script\n");
  });

  test("the step's file fails, then the journal's closing write: the error names the step's file first", async () => {
    const host = createFakeHost({ tree: ACCOUNTS });
    let journalWrites = 0;
    fillUp(host, (p) => p === "/etc/.hostname.tether-tmp" || (p.endsWith(".journal.json.tether-tmp") && ++journalWrites > 1));
    const error = (await applyPlan(host, plan([["hostname", [{ kind: "write", path: "/etc/hostname", content: "new\n", mode: 0o644, reason: "" }]]])).catch((e: unknown) => e)) as Error;
    expect(error.message).toBe(
      "hostname: write /etc/hostname: write /etc/hostname: no space left on device; then the journal could not be written: write /var/lib/tether/journal.json: no space left on device",
    );
    expect(temps(await treeOf(host.fs))).toEqual([]);
    expect(await host.fs.readText("/etc/hostname")).toBe("old\n");
  });
});
