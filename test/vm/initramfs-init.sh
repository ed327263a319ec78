#!/bin/busybox sh
# Stage one, in the initramfs: load the modules the devices need, then hand over to the disk's
# own system (a persistent root, so that a second boot sees what the first one did).
/bin/busybox mkdir -p /proc /sys /dev /newroot
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sys /sys
/bin/busybox mount -t devtmpfs dev /dev
for m in $(/bin/busybox cat /modules); do /bin/busybox insmod "$m" 2>/dev/null || echo "tether-vm: insmod $m failed"; done
for i in $(/bin/busybox seq 50); do [ -b /dev/vda ] && break; /bin/busybox sleep 0.1; done
/bin/busybox mount -t ext4 /dev/vda /newroot || { echo "tether-vm: no root disk"; exec /bin/busybox sh; }
/bin/busybox umount /proc /sys /dev
exec /bin/busybox switch_root /newroot /sbin/vm-init
