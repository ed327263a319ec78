#!/bin/busybox sh
# PID 1 of the VM lane's guest, on its root disk: a busybox system that boots as an image would,
# with the agent where an image builder puts it. Lines the host waits for start with "tether-vm:".
# The kernel gives init no PATH; a distribution's init sets one.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
/bin/busybox --install -s 2>/dev/null
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mkdir -p /dev/pts /run /tmp
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
# udev would make these; without it the kernel's devices are there, the CD-ROM among them once sr_mod is in.
for i in 1 2 3 4 5 6 7 8 9 10; do [ -e /sys/class/net/eth0 ] && break; sleep 0.2; done
ip link set lo up
ip link set eth0 up
# The distribution's early network: a lease from the cloud's DHCP (slirp's), as cloud images get one.
udhcpc -i eth0 -q -n -t 5 -T 1 -s /etc/vm/udhcpc.sh >/dev/null 2>&1 || echo "tether-vm: no DHCP lease"
echo "tether-vm: agent boot starting at $(cut -d' ' -f1 /proc/uptime)"
# TCG runs this guest several times slower than hardware: the probe's default budget (1500 ms,
# start-up included) is for real CPUs, and here the agent's own start-up takes most of it.
/usr/local/bin/agent boot --json --budget-ms 10000 >/run/boot.json
echo "tether-vm: agent boot exited $? at $(cut -d' ' -f1 /proc/uptime)"
# What the distribution's network service does next: bring up what the agent wrote. busybox's ifup
# reads no "address A/N" and no interfaces.d, so the lane takes the static addresses itself.
cfg=/etc/network/interfaces.d/50-tether.cfg
if [ -f "$cfg" ]; then
  for a in $(awk '/^iface eth0 inet /{on=1; next} /^(iface|auto) /{on=0} on && $1=="address"{print $2}' "$cfg"); do
    ip addr add "$a" dev eth0 && echo "tether-vm: eth0 takes $a"
  done
fi
echo "tether-vm: status $(/usr/local/bin/agent status --json 2>/dev/null | tr -d '\n')"
/usr/local/bin/agent daemon &
echo "tether-vm: daemon started"
while true; do sleep 3600; done
