/**
 * The VM lane's guest: Debian's kernel, a small initramfs (busybox-static and the kernel modules the
 * devices need, in the order modprobe resolves) and an ext4 root disk made from a tree here
 * (mkfs.ext4 -d): busybox, shadow's chpasswd, the glibc files they link, and the compiled agent at
 * /usr/local/bin/agent. The root is a disk, not the initramfs, so that a second boot sees the first.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { REPO } from "../helpers/run-agent.ts";
import { cpioArchive, type CpioEntry } from "./cpio.ts";

/** The root disk's modules first (virtio-blk, ext4), then every device the scenarios use: the CD-ROM, vfat, virtio-net, the virtio-serial port. */
const MODULES = ["virtio_pci", "virtio_blk", "ext4", "ata_piix", "sr_mod", "isofs", "vfat", "virtio_net", "virtio_console"];

export const AGENT = join(REPO, "dist/agent-linux-x64");

const text = (argv: string[]) => {
  const r = Bun.spawnSync(argv);
  if (r.exitCode !== 0) throw new Error(`${argv.join(" ")} exited ${r.exitCode}: ${r.stderr.toString()}`);
  return r.stdout.toString();
};

export function kernelVersion(): string {
  const versions = existsSync("/lib/modules") ? readdirSync("/lib/modules").filter((v) => existsSync(`/boot/vmlinuz-${v}`)) : [];
  if (!versions.length) throw new Error("no /boot/vmlinuz-* with its /lib/modules: install linux-image-amd64");
  return versions.sort().at(-1) as string;
}

/** Module files, each once, each after what it needs: modprobe's own resolution of the dependencies. */
function moduleFiles(version: string): string[] {
  const out: string[] = [];
  for (const name of MODULES) {
    for (const line of text(["modprobe", "-S", version, "--show-depends", name]).split("\n")) {
      const m = /^insmod (\S+)/.exec(line.trim());
      if (m && !out.includes(m[1] as string)) out.push(m[1] as string);
    }
  }
  return out;
}

/** The shared objects the binary loads, and its loader, by ldd. */
function libraries(binary: string): string[] {
  return text(["ldd", binary])
    .split("\n")
    .map((l) => /(\/\S+) \(0x/.exec(l)?.[1])
    .filter((p): p is string => p !== undefined);
}

const bytes = (data: string | Uint8Array) => (typeof data === "string" ? new TextEncoder().encode(data) : data);

function initramfs(modules: string[]): Uint8Array {
  const entries: CpioEntry[] = [];
  const dirs = new Set<string>();
  const dir = (path: string) => {
    const parts = path.split("/").filter(Boolean);
    for (let i = 1; i <= parts.length; i++) {
      const p = `/${parts.slice(0, i).join("/")}`;
      if (!dirs.has(p)) entries.push({ kind: "dir", path: p });
      dirs.add(p);
    }
  };
  for (const d of ["/bin", "/dev", "/proc", "/sys", "/newroot"]) dir(d);
  entries.push({ kind: "char", path: "/dev/console", major: 5, minor: 1 });
  entries.push({ kind: "file", path: "/bin/busybox", data: readFileSync("/bin/busybox"), mode: 0o755 });
  entries.push({ kind: "file", path: "/init", data: readFileSync(join(import.meta.dir, "initramfs-init.sh")), mode: 0o755 });
  entries.push({ kind: "file", path: "/modules", data: bytes(`${modules.join("\n")}\n`) });
  for (const m of modules) {
    dir(dirname(m));
    entries.push({ kind: "file", path: m, data: readFileSync(m) });
  }
  return cpioArchive(entries);
}

function put(root: string, path: string, data: string | Uint8Array, mode = 0o644): void {
  const at = join(root, path);
  mkdirSync(dirname(at), { recursive: true });
  writeFileSync(at, bytes(data));
  chmodSync(at, mode);
}

/** The image's own system: what an image builder leaves, the agent included. */
function rootTree(root: string): void {
  for (const d of ["bin", "sbin", "usr/bin", "usr/sbin", "usr/local/bin", "etc/network", "proc", "sys", "dev", "run", "tmp", "var/lib", "root", "home", "mnt"]) mkdirSync(join(root, d), { recursive: true });
  chmodSync(join(root, "tmp"), 0o1777);
  chmodSync(join(root, "root"), 0o700);
  symlinkSync("/run", join(root, "var/run"));
  put(root, "bin/busybox", readFileSync("/bin/busybox"), 0o755);
  put(root, "sbin/vm-init", readFileSync(join(import.meta.dir, "guest-init.sh")), 0o755);
  put(root, "etc/vm/udhcpc.sh", readFileSync(join(import.meta.dir, "udhcpc.sh")), 0o755);
  // Debian's busybox has no chpasswd: the guest gets shadow's, which with -e (what the agent runs)
  // writes /etc/shadow itself, without PAM.
  put(root, "usr/sbin/chpasswd", readFileSync("/usr/sbin/chpasswd"), 0o755);
  put(root, "etc/login.defs", readFileSync("/etc/login.defs"));
  for (const lib of new Set([...libraries(AGENT), ...libraries("/usr/sbin/chpasswd")])) put(root, lib.slice(1), readFileSync(lib), 0o755);
  // A busybox system, as the agent sees it: Alpine's means (busybox adduser and chpasswd, ENI).
  put(root, "etc/os-release", 'NAME="Tether VM lane (busybox)"\nID=tether-vm\nID_LIKE=alpine\nVERSION_ID=1\nPRETTY_NAME="Tether VM lane (busybox)"\n');
  put(root, "etc/passwd", "root:x:0:0:root:/root:/bin/sh\n");
  put(root, "etc/group", "root:x:0:root\nwheel:x:10:root\n");
  put(root, "etc/shadow", "root:*:19000:0:99999:7:::\n", 0o600);
  put(root, "etc/hostname", "localhost\n");
  put(root, "usr/local/bin/agent", readFileSync(AGENT), 0o755);
}

export interface GuestImage {
  kernel: string;
  initrd: string;
  /** The pristine root disk (raw ext4): each VM boots a copy, or this one with -snapshot. */
  disk: string;
  version: string;
}

export function buildGuest(dir: string): GuestImage {
  if (!existsSync(AGENT)) throw new Error(`${AGENT} is missing: run npm run build first`);
  // ldd exits 1 on a static binary ("not a dynamic executable"): Debian's busybox-static replaces the dynamic one.
  if (!existsSync("/bin/busybox") || Bun.spawnSync(["ldd", "/bin/busybox"]).exitCode === 0) throw new Error("no static /bin/busybox: install busybox-static");
  const version = kernelVersion();
  const initrd = join(dir, "initrd.cpio");
  writeFileSync(initrd, initramfs(moduleFiles(version)));
  const tree = join(dir, "rootfs");
  rootTree(tree);
  const disk = join(dir, "root.img");
  const mib = Math.ceil(statSync(AGENT).size / 2 ** 20) + 96;
  text(["mkfs.ext4", "-q", "-F", "-L", "tether-root", "-d", tree, disk, `${mib}M`]);
  return { kernel: `/boot/vmlinuz-${version}`, initrd, disk, version };
}
