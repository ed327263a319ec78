/**
 * A small Debian-like target root for `npm start` and the boot bench: the accounts, os-release,
 * a time zone and the two NICs that examples/nocloud names. A table, not a copy of a real system.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

/** The smallest valid TZif file: one zone type, UTC, no transitions (tzfile(5)). */
function tzifUtc(): Uint8Array {
  const out = new Uint8Array(44 + 6 + 4);
  out.set(new TextEncoder().encode("TZif"), 0);
  const view = new DataView(out.buffer);
  view.setUint32(36, 1); // typecnt
  view.setUint32(40, 4); // charcnt
  out.set(new TextEncoder().encode("UTC\0"), 50);
  return out;
}

const FILES: Record<string, string | Uint8Array> = {
  "etc/os-release": 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nID=debian\nVERSION_ID="12"\n',
  "etc/passwd": "root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
  "etc/group": "root:x:0:\nadm:x:4:\nsudo:x:27:\nusers:x:100:\nnogroup:x:65534:\n",
  "etc/shadow": "root:*:19000:0:99999:7:::\nnobody:*:19000:0:99999:7:::\n",
  "etc/gshadow": "root:*::\nadm:*::\nsudo:*::\nusers:*::\nnogroup:*::\n",
  "etc/hosts": "127.0.0.1 localhost\n",
  // What useradd reads on Debian: a group per user, and the id ranges.
  "etc/login.defs": "USERGROUPS_ENAB yes\nUID_MIN 1000\nUID_MAX 60000\nSYS_UID_MIN 100\nSYS_UID_MAX 999\nGID_MIN 1000\nGID_MAX 60000\nSYS_GID_MIN 100\nSYS_GID_MAX 999\nCREATE_HOME yes\nENCRYPT_METHOD SHA512\n",
  "etc/default/useradd": "SHELL=/bin/sh\n",
  "etc/hostname": "debian\n",
  "usr/share/zoneinfo/Etc/UTC": tzifUtc(),
  "sys/class/net/lan0/address": "52:54:00:12:34:56\n",
  "sys/class/net/mgmt0/address": "52:54:00:ab:cd:ef\n",
};
const DIRS = ["root", "home", "tmp", "var/lib", "usr/local/bin", "etc/ssh/sshd_config.d", "etc/sudoers.d", "etc/netplan", "etc/network/interfaces.d", "etc/systemd/system"];

export function makeTargetRoot(root: string): void {
  for (const [path, content] of Object.entries(FILES)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  for (const dir of DIRS) mkdirSync(join(root, dir), { recursive: true });
}
