import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { makeTargetRoot } from "../../examples/target-root.ts";
import { startDaemon } from "../helpers/daemon-process.ts";
import { PTY_RELAY } from "../helpers/pty-relay.ts";

/**
 * The daemon on a character device found as a virtio port is found: through
 * /sys/class/virtio-ports/<port>/name and /dev/<port>, no udev. A pty stands in for the port (a
 * python helper holds the master side, in raw mode, and relays it to the test); /dev/null stands in
 * for a port with no host attached, which reads EOF at once.
 */
const temps: string[] = [];
const cleanups: (() => void)[] = [];
const running: Subprocess[] = [];
afterEach(() => running.splice(0).forEach((p) => p.kill("SIGKILL")));
afterAll(() => {
  for (const c of cleanups.splice(0)) c();
  temps.forEach((d) => rmSync(d, { recursive: true, force: true }));
});

function guestRoot(): string {
  const root = mkdtempSync(join(tmpdir(), "tether-vport-"));
  temps.push(root);
  makeTargetRoot(root);
  mkdirSync(join(root, "sys/class/virtio-ports/vport0p1"), { recursive: true });
  writeFileSync(join(root, "sys/class/virtio-ports/vport0p1/name"), "org.qemu.guest_agent.0\n");
  return root;
}

async function startVportDaemon(root: string) {
  const started = await startDaemon(["--root", root, "--metadata-url", "http://127.0.0.1:9", "--log-level", "debug"], { ready: "serving the QEMU guest agent protocol" });
  running.push(started.daemon);
  return started;
}


describe("agent daemon on a virtio port", () => {
  test("found through sysfs and /dev/vportNpM, it answers QGA on the device", async () => {
    const root = guestRoot();
    mkdirSync(join(root, "dev/pts"), { recursive: true });
    expect(Bun.spawnSync(["mount", "--bind", "/dev/pts", join(root, "dev/pts")]).exitCode).toBe(0);
    cleanups.unshift(() => Bun.spawnSync(["umount", "-l", join(root, "dev/pts")]));
    const relay = Bun.spawn(["python3", "-c", PTY_RELAY], { stdin: "pipe", stdout: "pipe" });
    running.push(relay);
    const reader = relay.stdout.getReader();
    // The name's line may come in pieces: whatever follows its newline is the port's first output.
    let head = "";
    while (!head.includes("\n")) head += new TextDecoder().decode((await reader.read()).value);
    const pty = head.slice(0, head.indexOf("\n")).trim();
    symlinkSync(pty, join(root, "dev/vport0p1"));
    const { stderr } = await startVportDaemon(root);
    const deadline = Date.now() + 10_000;
    while (!stderr().includes("serving the QEMU guest agent protocol on /dev/vport0p1") && Date.now() < deadline) await Bun.sleep(20);
    relay.stdin.write(`${JSON.stringify({ execute: "guest-sync", arguments: { id: 77 } })}\n${JSON.stringify({ execute: "guest-ping" })}\n`);
    relay.stdin.flush();
    let got = head.slice(head.indexOf("\n") + 1);
    while (got.split("\n").length < 3 && Date.now() < deadline) got += new TextDecoder().decode((await reader.read()).value);
    expect(got.split("\n").slice(0, 2)).toEqual(['{"return":77}', '{"return":{}}']);
  });

  test("no host attached (the port reads EOF): it opens the port again every 100 ms, without spinning", async () => {
    const root = guestRoot();
    // /dev/null reads EOF at once, as a virtio port does while no host has it open.
    mkdirSync(join(root, "dev"), { recursive: true });
    expect(Bun.spawnSync(["mknod", join(root, "dev/vport0p1"), "c", "1", "3"]).exitCode).toBe(0);
    const { daemon, stderr } = await startVportDaemon(root);
    await Bun.sleep(1500);
    expect(daemon.exitCode).toBeNull();
    expect(stderr()).toContain("serving the QEMU guest agent protocol on /dev/vport0p1");
    // CPU time spent in 1.5 s of EOF retries: a busy loop would use most of it.
    const stat = (await Bun.file(`/proc/${daemon.pid}/stat`).text()).split(") ")[1]?.split(" ") ?? [];
    const ticks = Number(stat[11]) + Number(stat[12]);
    expect(ticks).toBeLessThan(100);
    daemon.kill("SIGTERM");
    expect(await daemon.exited).toBe(0);
  });
});
