import { describe, expect, test } from "bun:test";
import type { RunOptions } from "../../../../src/host/types.ts";
import { EXEC_COMMANDS } from "../../../../src/transports/virtio/commands/exec.ts";
import { FILE_COMMANDS } from "../../../../src/transports/virtio/commands/file.ts";
import { FSFREEZE_COMMANDS } from "../../../../src/transports/virtio/commands/fsfreeze.ts";
import { localMounts, parseMounts } from "../../../../src/transports/virtio/commands/mounts.ts";
import { guestFstrim } from "../../../../src/transports/virtio/commands/fstrim.ts";
import { guestSetTime } from "../../../../src/transports/virtio/commands/set-time.ts";
import { guestSetUserPassword } from "../../../../src/transports/virtio/commands/set-user-password.ts";
import { guestShutdown } from "../../../../src/transports/virtio/commands/shutdown.ts";
import { SSH_KEYS_COMMANDS } from "../../../../src/transports/virtio/commands/ssh-keys.ts";
import { call, contextFor, fakeHost, MOUNTS } from "./qga-test-context.ts";

type Answer = (argv: readonly string[], options: RunOptions) => { code?: number; stderr?: string };

/** Fake hosts only: fsfreeze is never run on this machine; the tests check its argv. */
function setup(options: { root?: string; fsfreeze?: Answer } = {}) {
  const host = fakeHost({
    root: options.root,
    tree: { "/proc/self/mounts": MOUNTS, "/srv/bind": { dir: true } },
    programs: { fsfreeze: options.fsfreeze ?? (() => ({})) },
  });
  const ctx = contextFor(host, async () => "unused");
  const qga = (execute: string, args?: unknown) => call(ctx, FSFREEZE_COMMANDS, execute, args);
  return { host, ctx, qga, argv: () => host.calls.map((c) => c.argv) };
}

describe("guest-fsfreeze-* (fake host)", () => {
  test("the mount list: local devices only (no proc, tmpfs, nfs, cifs, bind of a directory), escapes decoded", async () => {
    const { host } = setup();
    expect((await localMounts(host)).map((m) => m.dir)).toEqual(["/", "/boot", "/srv/my data", "/var/lib/docker", "/media/cdrom", "/data"]);
    expect(parseMounts("a b c d\n\n")).toEqual([{ device: "a", dir: "b", type: "c", options: ["d"] }]);
  });

  test("freeze: read-write ones in reverse mount order, a file system mounted twice once; frozen set; thaw in mount order", async () => {
    const { ctx, qga, argv } = setup();
    expect(await qga("guest-fsfreeze-freeze")).toEqual({ return: 4 });
    expect(ctx.state.frozen).toBe(true);
    expect(argv()).toEqual([
      ["fsfreeze", "--freeze", "/data"],
      ["fsfreeze", "--freeze", "/var/lib/docker"],
      ["fsfreeze", "--freeze", "/srv/my data"],
      ["fsfreeze", "--freeze", "/boot"],
    ]);
    // Frozen: a second freeze is disabled, as qemu-ga disables all but a few commands.
    expect(await qga("guest-fsfreeze-freeze")).toMatchObject({ error: { class: "CommandNotFound" } });
    const before = argv().length;
    // The CD-ROM was never frozen: its unfreeze fails, and is not counted.
    const thaw = setup({ fsfreeze: (a) => (a.includes("/media/cdrom") ? { code: 1, stderr: "fsfreeze: /media/cdrom: unfreeze failed: Invalid argument\n" } : {}) });
    thaw.ctx.state.frozen = true;
    expect(await thaw.qga("guest-fsfreeze-thaw")).toEqual({ return: 4 });
    expect(thaw.ctx.state.frozen).toBe(false);
    expect(thaw.argv()).toEqual([
      ["fsfreeze", "--unfreeze", "/"],
      ["fsfreeze", "--unfreeze", "/boot"],
      ["fsfreeze", "--unfreeze", "/srv/my data"],
      ["fsfreeze", "--unfreeze", "/media/cdrom"],
      ["fsfreeze", "--unfreeze", "/data"],
    ]);
    expect(argv().length).toBe(before);
  });

  test("a file system that cannot freeze (EOPNOTSUPP) or is frozen already (EBUSY) is skipped, as qemu-ga skips it", async () => {
    const { ctx, qga } = setup({
      fsfreeze: (a) =>
        a.includes("/srv/my data") ? { code: 1, stderr: "fsfreeze: /srv/my data: freeze failed: Operation not supported\n" } : a.includes("/boot") ? { code: 1, stderr: "fsfreeze: /boot: freeze failed: Device or resource busy\n" } : {},
    });
    expect(await qga("guest-fsfreeze-freeze")).toEqual({ return: 2 });
    expect(ctx.state.frozen).toBe(true);
  });

  test("a failure part-way thaws what was frozen, last first, and says so; frozen is cleared", async () => {
    const { ctx, qga, argv } = setup({ fsfreeze: (a) => (a[1] === "--freeze" && a[2] === "/srv/my data" ? { code: 1, stderr: "fsfreeze: /srv/my data: freeze failed: Input/output error\n" } : {}) });
    expect(await qga("guest-fsfreeze-freeze")).toEqual({
      error: { class: "GenericError", desc: "failed to freeze /srv/my data: /srv/my data: freeze failed: Input/output error; the 2 file system(s) frozen before it were thawed again" },
    });
    expect(ctx.state.frozen).toBe(false);
    expect(argv().slice(3)).toEqual([
      ["fsfreeze", "--unfreeze", "/var/lib/docker"],
      ["fsfreeze", "--unfreeze", "/data"],
    ]);
  });

  test("a failure whose undoing fails too is reported truthfully, and frozen stays set", async () => {
    const { ctx, qga } = setup({
      fsfreeze: (a) => (a[2] === "/boot" && a[1] === "--freeze" ? { code: 1, stderr: "fsfreeze: /boot: freeze failed: No space left on device\n" } : a[2] === "/data" && a[1] === "--unfreeze" ? { code: 1, stderr: "fsfreeze: /data: unfreeze failed: Input/output error\n" } : {}),
    });
    const outcome = (await qga("guest-fsfreeze-freeze")) as { error: { desc: string } };
    expect(outcome.error.desc).toContain("failed to freeze /boot");
    expect(outcome.error.desc).toContain("thawing failed for /data (/data: unfreeze failed: Input/output error), which may still be frozen");
    expect(ctx.state.frozen).toBe(true);
  });

  test("nothing freezable: 0, and the state stays thawed", async () => {
    const { ctx, qga } = setup({ fsfreeze: () => ({ code: 1, stderr: "fsfreeze: x: freeze failed: Operation not supported\n" }) });
    expect(await qga("guest-fsfreeze-freeze")).toEqual({ return: 0 });
    expect(ctx.state.frozen).toBe(false);
  });

  test("freeze-list: only the mount points named (others ignored, as qemu-ga ignores invalid ones)", async () => {
    const { qga, argv } = setup();
    expect(await qga("guest-fsfreeze-freeze-list", { mountpoints: ["/boot", "/nope", "/proc"] })).toEqual({ return: 1 });
    expect(argv()).toEqual([["fsfreeze", "--freeze", "/boot"]]);
  });

  test("under --root: freeze, freeze-list and thaw refused, nothing run", async () => {
    const { ctx, qga, argv } = setup({ root: "/srv/image" });
    for (const execute of ["guest-fsfreeze-freeze", "guest-fsfreeze-freeze-list", "guest-fsfreeze-thaw"]) {
      expect(await qga(execute)).toMatchObject({ error: { class: "GenericError", desc: expect.stringContaining("this machine, not the target at /srv/image (--root): refused") } });
    }
    expect(argv()).toEqual([]);
    expect(ctx.state.frozen).toBe(false);
  });

  test("while frozen, every command here but guest-fsfreeze-thaw is disabled (qemu-ga's freeze allow-list); thaw still runs", async () => {
    const { ctx, qga, argv } = setup();
    ctx.state.frozen = true;
    const all = [...FSFREEZE_COMMANDS, guestFstrim, guestSetTime, guestSetUserPassword, guestShutdown, ...SSH_KEYS_COMMANDS, ...FILE_COMMANDS, ...EXEC_COMMANDS];
    const args: Record<string, unknown> = {
      "guest-set-user-password": { username: "root", password: "eA==", crypted: false },
      "guest-ssh-get-authorized-keys": { username: "root" },
      "guest-ssh-add-authorized-keys": { username: "root", keys: [] },
      "guest-ssh-remove-authorized-keys": { username: "root", keys: [] },
      "guest-file-open": { path: "/x" },
      "guest-file-read": { handle: 1000 },
      "guest-file-write": { handle: 1000, "buf-b64": "" },
      "guest-file-seek": { handle: 1000, offset: 0, whence: 0 },
      "guest-file-flush": { handle: 1000 },
      "guest-file-close": { handle: 1000 },
      "guest-exec": { path: "true" },
      "guest-exec-status": { pid: 1 },
    };
    const disabled: string[] = [];
    for (const command of all) {
      if (command.name === "guest-fsfreeze-thaw") continue;
      const outcome = await call(ctx, all, command.name, args[command.name]);
      if ("error" in outcome && outcome.error.class === "CommandNotFound") disabled.push(command.name);
    }
    expect(disabled).toEqual(all.map((c) => c.name).filter((n) => n !== "guest-fsfreeze-thaw"));
    expect(argv()).toEqual([]);
    expect(await qga("guest-fsfreeze-thaw")).toMatchObject({ return: expect.any(Number) });
    expect(ctx.state.frozen).toBe(false);
  });
});
