#!/usr/bin/env bash
# Installs, from Debian's packages, what the tests run for real: the image makers (genisoimage,
# xorriso, mtools, dosfstools) and the peers (cloud-init, netplan, ifupdown, PyYAML, debootstrap,
# xenstore-utils and pyxs for the XenStore protocol, qemu-guest-agent for the QGA protocol, CLDR's
# Windows zone table).
# Runs before `npm test` and in .ci/run. Installs only what is missing; without root or apt it says
# what is missing and leaves it to the tests to fail naming the package.
set -euo pipefail
need=()
for pair in genisoimage:genisoimage xorriso:xorriso mcopy:mtools mkfs.vfat:dosfstools unshare:util-linux blkid:util-linux \
  cloud-init:cloud-init netplan:netplan.io ifup:ifupdown debootstrap:debootstrap xenstore-read:xenstore-utils qemu-ga:qemu-guest-agent; do
  command -v "${pair%%:*}" >/dev/null || [ -x "/usr/sbin/${pair%%:*}" ] || need+=("${pair#*:}")
done
# PyYAML: what our YAML reading is checked against (the image's python3, else Debian's).
python3 -c 'import yaml' 2>/dev/null || /usr/bin/python3 -c 'import yaml' 2>/dev/null || need+=(python3-yaml)
# pyxs, a second XenStore client, is only packaged for Debian's python3.
/usr/bin/python3 -c 'import pyxs' 2>/dev/null || need+=(python3-pyxs)
# Unicode CLDR's Windows zone table, which src/os/windows/windows-zones.ts is generated from.
[ -e /usr/share/unicode/cldr/common/supplemental/windowsZones.xml ] || need+=(unicode-cldr-core)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "test peers missing (install them as root): apt-get install ${need[*]}" >&2
  exit 0
fi
echo "installing test peers: ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
