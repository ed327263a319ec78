#!/usr/bin/env bash
# npm run test:vm: the VM lane (test/vm/vm.lane.ts). It installs what it needs from Debian's
# packages, builds dist/agent-linux-x64 if missing, and runs inside a network namespace of its own
# with only loopback up: QEMU's slirp, the guest and the metadata server on 127.0.0.1:80 all live
# there, so the guest's 169.254.169.254 is that server and nothing reaches any other network.
set -euo pipefail
cd "$(dirname "$0")/../.."
need=()
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
compgen -G "/boot/vmlinuz-*" >/dev/null || need+=(linux-image-amd64)
{ [ -e /bin/busybox ] && ! ldd /bin/busybox >/dev/null 2>&1; } || need+=(busybox-static)
command -v mkfs.ext4 >/dev/null || need+=(e2fsprogs)
command -v genisoimage >/dev/null || need+=(genisoimage)
command -v openssl >/dev/null || need+=(openssl)
if [ ${#need[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || { echo "test:vm needs root to install: ${need[*]}" >&2; exit 1; }
  echo "installing for the VM lane: ${need[*]}" >&2
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
[ -x dist/agent-linux-x64 ] || node_modules/.bin/bun scripts/build-binaries.ts --target linux-x64
# A PID namespace too (--kill-child): when the lane ends, however it ends, every QEMU it started ends with it.
exec unshare --net --pid --fork --kill-child --mount-proc -- sh -c 'ip link set lo up && TETHER_VM_LANE=1 node_modules/.bin/bun test --timeout 600000 ./test/vm/vm.lane.ts'
