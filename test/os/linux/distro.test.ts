import { describe, expect, test } from "bun:test";
import { createFakeHost } from "../../../src/host/fake.ts";
import { detectDistro, distroFromOsRelease, FAMILIES, parseOsRelease } from "../../../src/os/linux/distro.ts";

/** Short versions of each distribution's real /etc/os-release. */
const OS_RELEASE: Record<string, string> = {
  "debian-12": `PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
`,
  "ubuntu-24.04": `PRETTY_NAME="Ubuntu 24.04.1 LTS"
NAME="Ubuntu"
VERSION_ID="24.04"
ID=ubuntu
ID_LIKE=debian
UBUNTU_CODENAME=noble
`,
  "mint-21": `NAME="Linux Mint"
VERSION="21.3 (Virginia)"
ID=linuxmint
ID_LIKE="ubuntu debian"
VERSION_ID="21.3"
`,
  "rhel-9": `NAME="Red Hat Enterprise Linux"
VERSION="9.4 (Plow)"
ID="rhel"
ID_LIKE="fedora"
VERSION_ID="9.4"
PRETTY_NAME="Red Hat Enterprise Linux 9.4 (Plow)"
`,
  "centos-7": `NAME="CentOS Linux"
VERSION="7 (Core)"
ID="centos"
ID_LIKE="rhel fedora"
VERSION_ID="7"
`,
  "centos-stream-9": `NAME="CentOS Stream"
VERSION="9"
ID="centos"
ID_LIKE="rhel fedora"
VERSION_ID="9"
`,
  "rocky-9": `NAME="Rocky Linux"
VERSION="9.3 (Blue Onyx)"
ID="rocky"
ID_LIKE="rhel centos fedora"
VERSION_ID="9.3"
`,
  "alma-9": `NAME="AlmaLinux"
VERSION="9.4 (Seafoam Ocelot)"
ID="almalinux"
ID_LIKE="rhel centos fedora"
VERSION_ID="9.4"
`,
  "fedora-40": `NAME="Fedora Linux"
VERSION="40 (Cloud Edition)"
ID=fedora
VERSION_ID=40
VARIANT_ID=cloud
`,
  "amzn-2023": `NAME="Amazon Linux"
VERSION="2023"
ID="amzn"
ID_LIKE="fedora"
VERSION_ID="2023"
`,
  "amzn-2": `NAME="Amazon Linux"
VERSION="2"
ID="amzn"
ID_LIKE="centos rhel fedora"
VERSION_ID="2"
`,
  "sles-15": `NAME="SLES"
VERSION="15-SP5"
VERSION_ID="15.5"
ID="sles"
ID_LIKE="suse"
`,
  "leap-15": `NAME="openSUSE Leap"
VERSION="15.5"
ID="opensuse-leap"
ID_LIKE="suse opensuse"
VERSION_ID="15.5"
`,
  tumbleweed: `NAME="openSUSE Tumbleweed"
ID="opensuse-tumbleweed"
ID_LIKE="opensuse suse"
VERSION_ID="20240601"
`,
  arch: `NAME="Arch Linux"
PRETTY_NAME="Arch Linux"
ID=arch
BUILD_ID=rolling
`,
  "alpine-3.19": `NAME="Alpine Linux"
ID=alpine
VERSION_ID=3.19.1
PRETTY_NAME="Alpine Linux v3.19"
`,
  nixos: `NAME=NixOS
ID=nixos
VERSION_ID="24.05"
`,
  "pop-os": `NAME="Pop!_OS"
ID=pop
ID_LIKE="ubuntu debian"
VERSION_ID="22.04"
`,
  "unknown-like-arch": `NAME="SomeArch"
ID=somearch
ID_LIKE=arch
`,
};

describe("distro detection", () => {
  const table: [string, string, string | null, string, string, string][] = [
    // os-release, family, matched by, first renderer, package manager, service manager
    ["debian-12", "debian", "debian", "netplan", "apt-get", "systemd"],
    ["ubuntu-24.04", "debian", "ubuntu", "netplan", "apt-get", "systemd"],
    ["mint-21", "debian", "linuxmint", "netplan", "apt-get", "systemd"],
    ["rhel-9", "rhel", "rhel", "network-manager", "dnf", "systemd"],
    ["centos-7", "rhel", "centos", "sysconfig", "yum", "systemd"],
    ["centos-stream-9", "rhel", "centos", "network-manager", "dnf", "systemd"],
    ["rocky-9", "rhel", "rocky", "network-manager", "dnf", "systemd"],
    ["alma-9", "rhel", "almalinux", "network-manager", "dnf", "systemd"],
    ["fedora-40", "rhel", "fedora", "network-manager", "dnf", "systemd"],
    ["amzn-2023", "rhel", "amzn", "networkd", "dnf", "systemd"],
    ["amzn-2", "rhel", "amzn", "sysconfig", "yum", "systemd"],
    ["sles-15", "suse", "sles", "sysconfig", "zypper", "systemd"],
    ["leap-15", "suse", "opensuse-leap", "sysconfig", "zypper", "systemd"],
    ["tumbleweed", "suse", "opensuse-tumbleweed", "sysconfig", "zypper", "systemd"],
    ["arch", "arch", "arch", "networkd", "pacman", "systemd"],
    ["alpine-3.19", "alpine", "alpine", "eni", "apk", "openrc"],
    ["pop-os", "debian", "pop", "netplan", "apt-get", "systemd"],
    ["unknown-like-arch", "arch", "arch", "networkd", "pacman", "systemd"],
  ];
  for (const [name, family, matchedBy, renderer, packages, services] of table) {
    test(`${name} → ${family}`, () => {
      const distro = distroFromOsRelease(parseOsRelease(OS_RELEASE[name] as string));
      expect([distro.means.family, distro.matchedBy, distro.means.renderers[0], distro.means.packages?.name ?? null, distro.means.services, distro.warning]).toEqual([
        family,
        matchedBy,
        renderer,
        packages,
        services,
        null,
      ]);
    });
  }

  test("each family's means", () => {
    expect(FAMILIES.alpine.users).toEqual({ kind: "busybox", adduser: "adduser", addgroup: "addgroup", chpasswd: "chpasswd" });
    expect(FAMILIES.debian.users).toEqual({ kind: "shadow", useradd: "useradd", usermod: "usermod", groupadd: "groupadd", chpasswd: "chpasswd" });
    expect(FAMILIES.debian.packages).toEqual({ name: "apt-get", install: ["apt-get", "install", "-y", "--no-install-recommends"], refresh: ["apt-get", "update"], env: { DEBIAN_FRONTEND: "noninteractive" } });
    expect(FAMILIES.suse.packages?.install).toEqual(["zypper", "--non-interactive", "install"]);
    expect(FAMILIES.arch.packages?.install).toEqual(["pacman", "-S", "--noconfirm", "--needed"]);
    expect(FAMILIES.alpine.packages?.install).toEqual(["apk", "add", "--no-progress"]);
    expect(FAMILIES.rhel.paths).toEqual({ sshdConfigD: "/etc/ssh/sshd_config.d", sudoersD: "/etc/sudoers.d" });
    expect([FAMILIES.debian.adminGroup, FAMILIES.rhel.adminGroup]).toEqual(["sudo", "wheel"]);
  });

  test("an unknown distribution: a clear fallback, as a warning", () => {
    const distro = distroFromOsRelease(parseOsRelease(OS_RELEASE.nixos as string));
    expect(distro.means.family).toBe("unknown");
    expect(distro.means.services).toBe("systemd");
    expect(distro.means.users.kind).toBe("shadow");
    expect(distro.means.packages).toBeNull();
    expect(distro.warning).toBe('unknown distribution "nixos": systemd + shadow tools assumed');
    const like = distroFromOsRelease({ ID: "plan9", ID_LIKE: "bell labs" });
    expect(like.warning).toBe('unknown distribution "plan9" (ID_LIKE bell labs): systemd + shadow tools assumed');
  });

  test("read under the root: /etc/os-release (a symlink to /usr/lib, as on most systems), else /usr/lib/os-release, else a warning", async () => {
    const linked = createFakeHost({ tree: { "/etc/os-release": { symlink: "../usr/lib/os-release" }, "/usr/lib/os-release": OS_RELEASE["alpine-3.19"] as string } });
    expect((await detectDistro(linked)).means.family).toBe("alpine");
    const onlyUsr = createFakeHost({ tree: { "/usr/lib/os-release": OS_RELEASE["rocky-9"] as string } });
    expect(await detectDistro(onlyUsr)).toMatchObject({ id: "rocky", idLike: ["rhel", "centos", "fedora"], versionId: "9.3", means: { family: "rhel" }, warning: null });
    const none = createFakeHost();
    const distro = await detectDistro(none);
    expect(distro.means.family).toBe("unknown");
    expect(distro.warning).toBe("no /etc/os-release or /usr/lib/os-release: unknown distribution, systemd + shadow tools assumed");
    expect(none.logs).toEqual(["warn [os] no /etc/os-release or /usr/lib/os-release: unknown distribution, systemd + shadow tools assumed"]);
  });
});

describe("os-release quoting (os-release(5))", () => {
  test("double quotes with backslash escapes, single quotes literal, bare words, comments", () => {
    const text = [
      "# a comment",
      'PRETTY_NAME="Debian \\"bookworm\\" \\$HOME \\\\ \\` and \\n kept"',
      "NAME='it is $literal \\n'",
      "ID=bare\\ word",
      'VERSION="spaced"   # trailing comment',
      "EMPTY=",
      'QUOTED_EMPTY=""',
      "   INDENTED=yes",
      "not an assignment",
      'UNTERMINATED="oops',
      'JOINED="a"\'b\'c',
      "HASH=a#b",
      "CRLF=x\r",
    ].join("\n");
    expect(parseOsRelease(text)).toEqual({
      PRETTY_NAME: 'Debian "bookworm" $HOME \\ ` and \\n kept',
      NAME: "it is $literal \\n",
      ID: "bare word",
      VERSION: "spaced",
      EMPTY: "",
      QUOTED_EMPTY: "",
      INDENTED: "yes",
      JOINED: "abc",
      HASH: "a#b",
      CRLF: "x",
    });
  });
});
