import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, lstatSync, mkdirSync, readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { bootSeed, type Case, cleanCases, CLEANUP_MS, configDriveCase, failedSteps, outsideOf, pool, userDataCase } from "./rig.ts";

/**
 * write_files (user-data) and injected files (a config drive's meta_data `files`) that aim outside
 * the target: `..`, paths that are not absolute, symlinks inside the --root that point out of it,
 * FIFOs and devices where the file goes, and kernel interfaces. Each is refused before the first
 * change (exit 1 naming the source and the field) or contained in the root; the sentinel beside the
 * root is never touched.
 */
afterAll(cleanCases, CLEANUP_MS);

const writeFile = (path: string, content = "pwned\n") => `#cloud-config\nwrite_files:\n  - path: ${JSON.stringify(path)}\n    content: ${JSON.stringify(content)}\n`;

describe("write_files paths: refused before the first change, naming the source and the field", () => {
  const cases: [string, string, string][] = [
    ["a climb with ..", "/etc/../../outside/keep", 'must not contain "..", got "/etc/../../outside/keep"'],
    ["a climb at the very start", "/../outside/cron.d/evil", 'must not contain ".."'],
    ["a relative path", "../outside/keep", "expected an absolute path"],
    ["a NUL byte", "/etc/motd\u0000/../../outside/keep", "must not contain NUL"],
    ["a directory's path", "/etc/cron.d/", "expected a file's path"],
    ["/proc (the kernel's)", "/proc/sysrq-trigger", "/proc/sysrq-trigger is under /proc, a kernel interface, not a file system: refused"],
    ["/sys", "/sys/kernel/mm/transparent_hugepage/enabled", "is under /sys, a kernel interface"],
    ["/dev", "/dev/sda", "/dev/sda is under /dev, a kernel interface"],
    ["/dev itself", "/dev", "/dev is under /dev"],
    ["/run/udev", "/run/udev/rules.d/99-evil.rules", "is under /run/udev"],
  ];
  test.each(cases)("%s: exit 1, the field named, logged, nothing written anywhere", async (_what, path, message) => {
    const c = userDataCase(writeFile(path));
    const outside = outsideOf(c);
    const rootBefore = existsSync(join(c.root, "var/lib/tether"));
    const boot = await bootSeed(c);
    expect(boot.code).toBe(1);
    expect(boot.json.error.source).toBe(`${c.seed} user-data`);
    expect(boot.json.error.problems[0].path).toBe("write_files[0].path");
    expect(boot.json.error.problems[0].message).toContain(message);
    // logged for the operator, not only in the JSON
    expect(boot.stderr).toContain(`agent: ${c.seed} user-data: write_files[0].path: `);
    expect(outsideOf(c)).toEqual(outside);
    // refused before the first change: not even a journal or state was written
    expect(rootBefore).toBe(false);
    expect(existsSync(join(c.root, "var/lib/tether"))).toBe(false);
  });
});

describe("write_files through symlinks inside the root: contained in the root", () => {
  interface LinkCase {
    what: string;
    links: [string, string][];
    path: string;
    /** Exit code, and where the file landed inside the root (or the failed step). */
    code: number;
    landed?: string;
    failed?: RegExp;
  }
  const abs = (c: Case, p: string) => p.replace("OUTSIDE", c.outside);
  const linkCases: LinkCase[] = [
    // As a chroot reads it, /etc -> / is the root's own /: the file lands at the root's /motd.
    { what: "/etc -> / (absolute)", links: [["etc", "/"]], path: "/etc/motd", code: 0, landed: "motd" },
    // The host path of the sentinel, absolute: inside the root that path does not exist.
    { what: "/etc/cron.d -> the sentinel's host path", links: [["etc/cron.d", "OUTSIDE/cron.d"]], path: "/etc/cron.d/evil", code: 1, failed: /write-files mkdir \/etc\/cron\.d: a symlink is in the way/ },
    // Relative: followed by the kernel from root/etc this reaches the sentinel; inside the root, .. stops at /.
    { what: "/etc/cron.d -> ../../outside/cron.d (relative)", links: [["etc/cron.d", "../../outside/cron.d"]], path: "/etc/cron.d/evil", code: 1, failed: /a symlink is in the way/ },
    // A symlinked parent that stays inside the root: the file follows it, inside.
    { what: "a symlinked parent (/etc/app -> /srv/app)", links: [["etc/app", "/srv/app"]], path: "/etc/app/app.conf", code: 0, landed: "srv/app/app.conf" },
    // A chain of links whose last step climbs: /etc/a -> /b, /b -> ../../../../outside.
    { what: "a chain of links climbing out", links: [["etc/a", "/b"], ["b", "../../../../outside"]], path: "/etc/a/keep", code: 1, failed: /a symlink is in the way/ },
    // The final component a link to the sentinel's file (relative, so the kernel would follow it out):
    // replaced by the file, never written through.
    { what: "a final symlink to the sentinel's file", links: [["etc/motd", "../../outside/keep"]], path: "/etc/motd", code: 0, landed: "etc/motd" },
    { what: "a final symlink to the host's absolute path", links: [["etc/motd", "OUTSIDE/keep"]], path: "/etc/motd", code: 0, landed: "etc/motd" },
  ];

  test.each(linkCases.map((l) => [l.what, l] as const))("%s", async (_what, l) => {
    const c = userDataCase(writeFile(l.path));
    mkdirSync(join(c.root, "srv/app"), { recursive: true });
    for (const [at, target] of l.links) c.link(at, abs(c, target));
    const outside = outsideOf(c);
    const boot = await bootSeed(c);
    expect(outsideOf(c)).toEqual(outside);
    expect(boot.code).toBe(l.code);
    if (l.landed) {
      const landed = join(c.root, l.landed);
      expect(lstatSync(landed).isFile()).toBe(true);
      expect(readFileSync(landed, "utf8")).toBe("pwned\n");
    }
    if (l.failed) {
      expect(failedSteps(boot).join("\n")).toMatch(l.failed);
      // the failure is logged as it happens, and recorded for agent status
      expect(boot.stderr).toContain('"level":"error"');
      expect(boot.stderr).toMatch(/write-files: mkdir \/etc\/\S+: failed/);
    }
  });

  test("a symlink loop: the resolver gives up (ELOOP) while facts are gathered, before any change", async () => {
    const c = userDataCase(writeFile("/etc/loop/x"));
    c.link("etc/loop", "/etc/loop2");
    c.link("etc/loop2", "/etc/loop");
    const outside = outsideOf(c);
    const boot = await bootSeed(c);
    expect(boot.code).toBe(1);
    expect(boot.stderr).toContain("agent: stat /etc/loop: too many levels of symbolic links");
    expect(existsSync(join(c.root, "var/lib/tether"))).toBe(false);
    expect(outsideOf(c)).toEqual(outside);
  });

  test("a replaced final symlink is reported with where it pointed; the sentinel file keeps its content", async () => {
    const c = userDataCase(writeFile("/etc/motd"));
    c.link("etc/motd", "../../outside/keep");
    const boot = await bootSeed(c);
    expect(boot.code).toBe(0);
    const step = boot.json.steps.find((s: { target: string }) => s.target === "/etc/motd");
    expect(step.message).toContain("replaced a symlink to ../../outside/keep");
    expect(readFileSync(join(c.outside, "keep"), "utf8")).toBe("sentinel: must never change\n");
  });
});

describe("write_files onto FIFOs and devices: refused at apply, never opened", () => {
  const nodes: [string, string[]][] = [
    ["a FIFO", ["mkfifo"]],
    ["a character device (1:3, /dev/null's numbers)", ["mknod", "c", "1", "3"]],
    ["a block device (7:200, a loop device's numbers)", ["mknod", "b", "7", "200"]],
  ];
  test.each(nodes)("%s at the target path: the step fails naming it, the boot does not hang, later steps do not run", async (what, argv) => {
    const c = userDataCase(`#cloud-config\nwrite_files:\n  - path: /etc/motd\n    content: x\n  - path: /etc/after\n    content: y\n`);
    const [program, ...rest] = argv as [string, ...string[]];
    const made = Bun.spawnSync(program === "mkfifo" ? [program, join(c.root, "etc/motd")] : [program, join(c.root, "etc/motd"), ...rest]);
    expect(made.exitCode).toBe(0);
    const outside = outsideOf(c);
    const boot = await bootSeed(c);
    expect(boot.code).toBe(1);
    const kind = what.startsWith("a FIFO") ? "fifo" : what.includes("character") ? "char" : "block";
    expect(failedSteps(boot)).toEqual([`write-files write /etc/motd: a ${kind} is in the way; only regular files are replaced`]);
    expect(boot.stderr).toContain(`write-files: write /etc/motd: failed (a ${kind} is in the way`);
    expect(boot.json.steps.find((s: { target: string }) => s.target === "/etc/after").status).toBe("not-run");
    expect(lstatSync(join(c.root, "etc/motd")).isFile()).toBe(false);
    expect(outsideOf(c)).toEqual(outside);
  });
});

describe("injected files (config drive meta_data files): the same rules", () => {
  // [what, path, source (after the seed), field, message]: `..` is the drive's schema's refusal
  // (meta_data.json itself is wrong), a kernel interface the action's.
  const refusals: [string, string, string, string, string][] = [
    ["a climb with ..", "/etc/../../outside/keep", ":openstack/latest/meta_data.json", "files.0.path", "must not contain .. or NUL"],
    ["/proc", "/proc/sys/kernel/core_pattern", " files", "files[0].path", "/proc/sys/kernel/core_pattern is under /proc, a kernel interface"],
    ["/sys", "/sys/power/state", " files", "files[0].path", "is under /sys, a kernel interface"],
    ["/dev", "/dev/mem", " files", "files[0].path", "is under /dev, a kernel interface"],
  ];
  test.each(refusals)("%s: exit 1 naming the drive and the field", async (_what, path, source, field, message) => {
    const c = configDriveCase({ files: [{ path, content_path: "/content/0000" }] }, { "content/0000": "pwned\n" });
    const outside = outsideOf(c);
    const boot = await bootSeed(c);
    expect(boot.code).toBe(1);
    expect(boot.json.error.source).toBe(`${c.seed}${source}`);
    expect(boot.json.error.problems[0].path).toBe(field);
    expect(boot.json.error.problems[0].message).toContain(message);
    expect(boot.stderr).toContain(`agent: ${c.seed}${source}: ${field}: `);
    expect(outsideOf(c)).toEqual(outside);
    expect(existsSync(join(c.root, "var/lib/tether"))).toBe(false);
  });

  test("a relative path is refused by the schema, naming meta_data.json", async () => {
    const c = configDriveCase({ files: [{ path: "../outside/keep", content_path: "/content/0000" }] }, { "content/0000": "pwned\n" });
    const boot = await bootSeed(c);
    expect(boot.code).toBe(1);
    expect(boot.stderr).toContain(`${c.seed}:openstack/latest/meta_data.json: files.0.path: expected an absolute path`);
  });

  test.each(["../../../outside/keep", "/content/../../../outside/keep"])("content_path %p climbing out of the drive: refused, nothing read", async (contentPath) => {
    // From the seed, ../outside/keep is the sentinel.
    const c = configDriveCase({ files: [{ path: "/etc/stolen", content_path: contentPath }] });
    const boot = await bootSeed(c);
    expect(boot.code).toBe(1);
    expect(boot.stderr).toContain(`agent: ${c.seed}:openstack/latest/meta_data.json: files.0.content_path: expected /content/NAME`);
    expect(existsSync(join(c.root, "etc/stolen"))).toBe(false);
  });

  test("content_path through a symlink in the drive that points out: read inside the drive only", async () => {
    const c = configDriveCase({ files: [{ path: "/etc/stolen", content_path: "/content/0000" }] });
    // On a directory seed, a link the kernel would follow to the sentinel.
    mkdirSync(join(c.seed, "openstack/content"));
    symlinkSync("../../../outside/keep", join(c.seed, "openstack/content/0000"));
    const boot = await bootSeed(c);
    expect(boot.code).toBe(1);
    expect(boot.stderr).toContain("files[0].content_path: names a file that does not exist");
    expect(existsSync(join(c.root, "etc/stolen"))).toBe(false);
  });

  test("symlinks in the root: /etc/cron.d -> the sentinel and a final link: contained", async () => {
    const c = configDriveCase(
      { files: [{ path: "/etc/cron.d/evil", content_path: "/content/0000" }, { path: "/root/.ssh/authorized_keys", content_path: "/content/0001" }] },
      { "content/0000": "* * * * * root true\n", "content/0001": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIInjectedInjectedInjectedInjected0 x\n" },
    );
    c.link("etc/cron.d", "../../outside/cron.d");
    c.link("root/.ssh", "../../outside/.ssh");
    const outside = outsideOf(c);
    const boot = await bootSeed(c);
    expect(outsideOf(c)).toEqual(outside);
    expect(boot.code).toBe(1);
    expect(failedSteps(boot)[0]).toMatch(/^injected-files mkdir \/etc\/cron\.d: a symlink is in the way/);
  });
});

describe("many hostile paths at once, each run on its own: the sentinel never moves", () => {
  test("every refusal above and every link case, concurrently", async () => {
    const paths = ["/etc/../../outside/keep", "/proc/self/mem", "/sys/kernel/uevent_helper", "/dev/kmsg", "/etc/cron.d/evil", "/root/.ssh/authorized_keys", "/etc/motd"];
    const cases = paths.map((p) => {
      const c = userDataCase(writeFile(p));
      c.link("etc/cron.d", "../../outside/cron.d");
      c.link("root/.ssh", `${c.outside}/.ssh`);
      c.link("etc/motd", "../../outside/keep");
      return c;
    });
    const before = cases.map(outsideOf);
    const boots = await pool(4, cases.map((c) => () => bootSeed(c)));
    cases.forEach((c, i) => expect(outsideOf(c)).toEqual(before[i] as Record<string, string>));
    expect(boots.map((b) => b.code)).toEqual([1, 1, 1, 1, 1, 1, 0]);
  });
});
