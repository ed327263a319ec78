import { describe, expect, test } from "bun:test";
import { guestShutdown } from "../../../../src/transports/virtio/commands/shutdown.ts";
import { call, contextFor, fakeHost } from "./qga-test-context.ts";

/** Fake hosts only: these tests check the argv; nothing is ever run on this machine. */
function setup(options: Parameters<typeof fakeHost>[0] = {}) {
  const host = fakeHost({ programs: { shutdown: () => ({}), poweroff: () => ({}), reboot: () => ({}), halt: () => ({}) }, ...options });
  const ctx = contextFor(host, async () => "unused");
  return { host, ctx, qga: (args?: unknown) => call(ctx, [guestShutdown], "guest-shutdown", args) };
}

const EXE = { content: "#!/bin/sh\n", mode: 0o755 };

describe("guest-shutdown (fake host)", () => {
  test("without /sbin/poweroff: qemu-ga's `/sbin/shutdown -h -P +0 \"hypervisor initiated shutdown\"`; no reply on success", async () => {
    const { host, qga } = setup({ tree: { "/sbin/shutdown": EXE } });
    expect(await qga()).toEqual({ noReply: true });
    expect(host.calls.map((c) => c.argv)).toEqual([["/sbin/shutdown", "-h", "-P", "+0", "hypervisor initiated shutdown"]]);
  });

  test("halt is -H and reboot is -r; without /sbin/shutdown the one on PATH", async () => {
    const { host, qga } = setup();
    expect(await qga({ mode: "halt" })).toEqual({ noReply: true });
    expect(await qga({ mode: "reboot" })).toEqual({ noReply: true });
    expect(host.calls.map((c) => c.argv)).toEqual([
      ["shutdown", "-h", "-H", "+0", "hypervisor initiated shutdown"],
      ["shutdown", "-h", "-r", "+0", "hypervisor initiated shutdown"],
    ]);
  });

  test("as qemu-ga 9.1+: /sbin/poweroff, /sbin/halt or /sbin/reboot when executable, with no arguments", async () => {
    const { host, qga } = setup({ tree: { "/sbin/poweroff": EXE, "/sbin/reboot": EXE, "/sbin/halt": { content: "", mode: 0o644 }, "/sbin/shutdown": EXE } });
    await qga({ mode: "powerdown" });
    await qga({ mode: "reboot" });
    await qga({ mode: "halt" });
    expect(host.calls.map((c) => c.argv)).toEqual([["/sbin/poweroff"], ["/sbin/reboot"], ["/sbin/shutdown", "-h", "-H", "+0", "hypervisor initiated shutdown"]]);
  });

  test("a failing program is an error reply (the host then knows nothing happened)", async () => {
    const { qga } = setup({ programs: { shutdown: () => ({ code: 1, stderr: "shutdown: Failed to talk to init daemon.\n" }) } });
    expect(await qga()).toEqual({ error: { class: "GenericError", desc: "failed to shutdown: Failed to talk to init daemon." } });
  });

  test("an unknown mode is refused, nothing run", async () => {
    const { host, qga } = setup();
    expect(await qga({ mode: "sleep" })).toEqual({ error: { class: "GenericError", desc: "mode is invalid (valid values are: halt|powerdown|reboot)" } });
    expect(host.calls).toEqual([]);
  });

  test("under --root: refused, saying it would stop this machine and not the target; nothing run", async () => {
    const { host, qga } = setup({ root: "/srv/image" });
    expect(await qga()).toEqual({ error: { class: "GenericError", desc: "guest-shutdown would stop this machine, not the target at /srv/image (--root): refused" } });
    expect(await qga({ mode: "reboot" })).toMatchObject({ error: { desc: expect.stringContaining("would reboot this machine") } });
    expect(host.calls).toEqual([]);
  });

  test("while frozen: disabled, nothing run", async () => {
    const { host, ctx, qga } = setup();
    ctx.state.frozen = true;
    expect(await qga()).toMatchObject({ error: { class: "CommandNotFound" } });
    expect(host.calls).toEqual([]);
  });
});
