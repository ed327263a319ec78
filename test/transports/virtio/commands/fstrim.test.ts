import { describe, expect, test } from "bun:test";
import type { RunOptions } from "../../../../src/host/types.ts";
import { guestFstrim, trimmedBytes } from "../../../../src/transports/virtio/commands/fstrim.ts";
import { call, contextFor, fakeHost, MOUNTS } from "./qga-test-context.ts";

type Answer = (argv: readonly string[], options: RunOptions) => { code?: number; stdout?: string; stderr?: string };

const trimmedOk: Answer = (argv) => ({ stdout: `${argv[argv.length - 1]}: 1 GiB (1073741824 bytes) trimmed on /dev/x\n` });

/** Fake hosts only: fstrim never runs on this machine; the tests check its argv and how its output is read. */
function setup(options: { root?: string; fstrim?: Answer } = {}) {
  const host = fakeHost({ root: options.root, tree: { "/proc/self/mounts": MOUNTS, "/srv/bind": { dir: true } }, programs: { fstrim: options.fstrim ?? trimmedOk } });
  const ctx = contextFor(host, async () => "unused");
  return { host, ctx, qga: (args?: unknown) => call(ctx, [guestFstrim], "guest-fstrim", args), argv: () => host.calls.map((c) => c.argv) };
}

describe("guest-fstrim (fake host)", () => {
  test("`fstrim -v MOUNTPOINT` per local file system; results last mount first (qemu-ga prepends), minimum 0", async () => {
    const { qga, argv } = setup();
    const outcome = (await qga()) as { return: { paths: Record<string, unknown>[] } };
    expect(argv()).toEqual(["/", "/boot", "/srv/my data", "/var/lib/docker", "/media/cdrom", "/data"].map((d) => ["fstrim", "-v", d]));
    expect(outcome.return.paths.map((p) => p.path)).toEqual(["/data", "/media/cdrom", "/var/lib/docker", "/srv/my data", "/boot", "/"]);
    expect(outcome.return.paths[0]).toEqual({ path: "/data", minimum: 0, trimmed: 1073741824 });
  });

  test("minimum is passed as -m BYTES and reported back", async () => {
    const { qga, argv } = setup();
    const outcome = (await qga({ minimum: 65536 })) as { return: { paths: { minimum?: number }[] } };
    expect(argv()[0]).toEqual(["fstrim", "-v", "-m", "65536", "/"]);
    expect(outcome.return.paths.every((p) => p.minimum === 65536)).toBe(true);
    expect(await qga({ minimum: -1 })).toEqual({ error: { class: "GenericError", desc: "value '-1' is invalid for argument minimum" } });
  });

  test("per-path errors: unsupported is qemu-ga's 'trim not supported'; others 'failed to trim: …'; the rest still trimmed", async () => {
    const { qga } = setup({
      fstrim: (a) =>
        a.includes("/media/cdrom") ? { code: 1, stderr: "fstrim: /media/cdrom: the discard operation is not supported\n" } : a.includes("/boot") ? { code: 1, stderr: "fstrim: /boot: FITRIM ioctl failed: Input/output error\n" } : trimmedOk(a, {}),
    });
    const paths = ((await qga()) as { return: { paths: Record<string, unknown>[] } }).return.paths;
    expect(paths.find((p) => p.path === "/media/cdrom")).toEqual({ path: "/media/cdrom", error: "trim not supported" });
    expect(paths.find((p) => p.path === "/boot")).toEqual({ path: "/boot", error: "failed to trim: /boot: FITRIM ioctl failed: Input/output error" });
    expect(paths.filter((p) => p.trimmed === 1073741824)).toHaveLength(4);
  });

  test("trimmedBytes reads util-linux's -v line, with and without the device", () => {
    expect(trimmedBytes("/: 12.3 GiB (13207024640 bytes) trimmed\n")).toBe(13207024640);
    expect(trimmedBytes("/boot: 0 B (0 bytes) trimmed on /dev/vda2\n")).toBe(0);
    expect(trimmedBytes("garbage")).toBeNull();
  });

  test("under --root, or while frozen: refused, nothing run", async () => {
    const offline = setup({ root: "/srv/image" });
    expect(await offline.qga()).toEqual({ error: { class: "GenericError", desc: "guest-fstrim would discard the free blocks of this machine, not the target at /srv/image (--root): refused" } });
    expect(offline.argv()).toEqual([]);
    const frozen = setup();
    frozen.ctx.state.frozen = true;
    expect(await frozen.qga()).toMatchObject({ error: { class: "CommandNotFound" } });
    expect(frozen.argv()).toEqual([]);
  });
});
