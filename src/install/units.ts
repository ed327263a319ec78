/**
 * The service definitions `agent install` writes, as pure text. The boot unit runs once, early:
 * before the network is configured (it writes the network files) and before sshd starts (it
 * writes the keys sshd will read).
 */

export const BIN = "/usr/local/bin/agent";

export function systemdBootUnit(bin = BIN): string {
  return `[Unit]
Description=Tether: configure this machine from its cloud's instance data
Documentation=https://example.invalid/tether
DefaultDependencies=no
Wants=network-pre.target
After=local-fs.target systemd-remount-fs.service
Before=network-pre.target systemd-networkd.service NetworkManager.service networking.service
Before=ssh.service sshd.service systemd-user-sessions.service getty@tty1.service

[Service]
Type=oneshot
ExecStart=${bin} boot
RemainAfterExit=yes
TimeoutStartSec=10min
StandardOutput=journal+console

[Install]
WantedBy=multi-user.target
`;
}

/**
 * The daemon starts only where a host channel exists (the `|` conditions: any one suffices: XenStore,
 * or a virtio agent port as udev names it), so an image that also boots where there is neither does
 * not restart a daemon with nothing to serve. Exit 2 (a usage error) is not retried.
 */
export function systemdDaemonUnit(bin = BIN): string {
  return `[Unit]
Description=Tether: answer the host's commands (XenStore, QEMU guest agent protocol)
After=tether-boot.service
ConditionPathExists=|/proc/xen/xenbus
ConditionPathExists=|/dev/xen/xenbus
ConditionPathExists=|/var/run/xenstored/socket
ConditionPathExists=|/dev/virtio-ports/org.qemu.guest_agent.0
ConditionPathExists=|/dev/virtio-ports/org.tether.agent.0

[Service]
ExecStart=${bin} daemon
Restart=on-failure
RestartSec=2
RestartPreventExitStatus=2

[Install]
WantedBy=multi-user.target
`;
}

export function openrcBootScript(bin = BIN): string {
  return `#!/sbin/openrc-run
description="Tether: configure this machine from its cloud's instance data"
command="${bin}"
command_args="boot"

depend() {
\tneed localmount
\tbefore net sshd
}
`;
}

/**
 * OpenRC's daemon service: supervise-daemon restarts it if it dies; start_pre keeps it from
 * starting where there is no host channel (XenStore, or a virtio agent port by its sysfs name), as
 * the systemd unit's conditions do.
 */
export function openrcDaemonScript(bin = BIN): string {
  return `#!/sbin/openrc-run
description="Tether: answer the host's commands (XenStore, QEMU guest agent protocol)"
command="${bin}"
command_args="daemon"
supervisor=supervise-daemon
respawn_delay=2

depend() {
\tafter tether-boot
}

start_pre() {
\tif [ -e /proc/xen/xenbus ] || [ -e /dev/xen/xenbus ] || [ -e /var/run/xenstored/socket ]; then return 0; fi
\tif grep -qsx -e org.qemu.guest_agent.0 -e org.tether.agent.0 /sys/class/virtio-ports/*/name; then return 0; fi
\teinfo "no XenStore and no virtio agent port: nothing to serve"
\treturn 1
}
`;
}

export function sysvinitBootScript(bin = BIN): string {
  return `#!/bin/sh
### BEGIN INIT INFO
# Provides:          tether-boot
# Required-Start:    $local_fs
# Required-Stop:
# X-Start-Before:    networking ssh
# Default-Start:     S
# Default-Stop:
# Short-Description: Tether: configure this machine from its cloud's instance data
### END INIT INFO
case "$1" in
  start) exec ${bin} boot ;;
  stop|restart|force-reload|status) exit 0 ;;
  *) echo "Usage: $0 start" >&2; exit 3 ;;
esac
`;
}
