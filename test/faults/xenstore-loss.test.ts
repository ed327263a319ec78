/**
 * xenstored restarted while the daemon is in the middle of a request: the daemon (from source,
 * kill-hook.ts preloaded to hold it there) reconnects, answers the request once (not run again),
 * and serves the next one.
 */
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeTargetRoot } from "../../examples/target-root.ts";
import { startDevXenstored, type DevXenstored } from "../../scripts/xenstored/server.ts";
import { VERSION } from "../../src/version.ts";
import { novaHost } from "../helpers/nova-host.ts";
import { startHookedDaemon, type HookedDaemon } from "./hooked-daemon.ts";

const DOMID = 7;
const temps: string[] = [];
const running: { daemon?: HookedDaemon; xs?: DevXenstored }[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) {
    r.daemon?.resume();
    r.daemon?.daemon.kill("SIGKILL");
    await r.xs?.stop();
  }
});
afterAll(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function rig(pauseOn: string) {
  const dir = mkdtempSync(join(tmpdir(), "tether-xs-loss-"));
  temps.push(dir);
  const root = join(dir, "guest");
  makeTargetRoot(root);
  chmodSync(join(root, "etc/shadow"), 0o600);
  mkdirSync(join(root, "run"), { recursive: true });
  const xs = await startDevXenstored({ socket: join(dir, "dom0.sock"), guestSocket: join(root, "run/xenstored.sock"), domid: DOMID });
  const entry: (typeof running)[number] = { xs };
  running.push(entry);
  const daemon = await startHookedDaemon(["--transport", "xenstore", "--root", root, "--log-level", "debug"], {
    ready: "serving the Nova agent protocol",
    dir,
    pauseOn,
    env: { XENSTORED_PATH: "/run/xenstored.sock" },
  });
  entry.daemon = daemon;
  return { root, xs, daemon, host: novaHost(join(dir, "dom0.sock"), DOMID) };
}

const b64 = (s: string) => Buffer.from(s).toString("base64");

/**
 * How often the daemon carried out a write of `path`: apply logs each step it runs (a run again
 * would log "skipped-unchanged", so the disk alone could not tell), and the daemon each request
 * it answered by running it.
 */
function executions(daemon: HookedDaemon, path: string): { steps: number; answered: number } {
  const lines = daemon.stderr().split("\n");
  return {
    steps: lines.filter((l) => l.includes(`"injected-files: write ${path}: `)).length,
    answered: lines.filter((l) => /"request [0-9a-f-]+: 0 \(/.test(l)).length,
  };
}

describe("transport loss: xenstored restarted mid-request", () => {
  test("injectfile in flight when xenstored restarts: one reply, the file written once, the next request served", async () => {
    const { root, xs, daemon, host } = await rig("tether-fault.conf");
    const reply = host.call("injectfile", b64("/etc/tether-fault.conf,answer=42\n"), { timeoutMs: 30_000 });
    // Held just before its first write, with the request read and not yet answered.
    expect(await daemon.paused()).toContain("tether-fault.conf");
    await xs.restart();
    daemon.resume();
    expect(await reply).toEqual({ returncode: "0", message: "" });
    expect(readFileSync(join(root, "etc/tether-fault.conf"), "utf8")).toBe("answer=42\n");
    // Run once, and answered from memory after the reconnect.
    expect(executions(daemon, "/etc/tether-fault.conf")).toEqual({ steps: 1, answered: 1 });
    expect(daemon.changes().filter((c) => / rename .*tether-fault\.conf/.test(c))).toHaveLength(1);
    expect(daemon.stderr()).toContain("reconnecting");
    expect(daemon.stderr()).toContain("connected again");
    expect(await host.call("version", "agent", { timeoutMs: 15_000 })).toEqual({ returncode: "0", message: VERSION });
    // Nothing left in the request or reply queues (the host removed its reply).
    expect(xs.store.list(`/local/domain/${DOMID}/data/host`) ?? []).toEqual([]);
    expect(xs.store.list(`/local/domain/${DOMID}/data/guest`) ?? []).toEqual([]);
  }, 60_000);

  test("xenstored restarted twice in one request (while it runs, and again at once): still answered once", async () => {
    const { root, xs, daemon, host } = await rig("tether-twice.conf");
    const reply = host.call("injectfile", b64("/etc/tether-twice.conf,n=1\n"), { timeoutMs: 30_000 });
    await daemon.paused();
    await xs.restart();
    daemon.resume();
    await Bun.sleep(20);
    await xs.restart();
    expect(await reply).toEqual({ returncode: "0", message: "" });
    expect(readFileSync(join(root, "etc/tether-twice.conf"), "utf8")).toBe("n=1\n");
    expect(executions(daemon, "/etc/tether-twice.conf")).toEqual({ steps: 1, answered: 1 });
    expect(await host.call("features", "", { timeoutMs: 15_000 })).toMatchObject({ returncode: "0" });
  }, 60_000);
});
