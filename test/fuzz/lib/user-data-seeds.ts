/**
 * User-data as clouds deliver it: #cloud-config using most supported keys, scripts of every kind,
 * gzip, MIME multipart (nested, base64 and quoted-printable parts), and the Windows forms.
 */
import { gzipSync } from "node:zlib";
import { bytesOf } from "./seeds.ts";

export const CLOUD_CONFIG = `#cloud-config
hostname: web-1
fqdn: web-1.example.com
prefer_fqdn_over_hostname: false
manage_etc_hosts: true
users:
  - default
  - name: alice
    gecos: Alice A.
    groups: [adm, sudo]
    sudo: "ALL=(ALL) NOPASSWD:ALL"
    shell: /bin/bash
    lock_passwd: false
    passwd: "$6$rounds=4096$salt$4s2Q1a0vGd0mjyP9aS1Bd8sWzv2L6w6N5QeA9Uu3J1Vb3Vq4J1tOZ1eYtq8ZrJv7m7u0fJ1o5Y6XmB2s3c4d5."
    ssh_authorized_keys:
      - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGJ0ZXN0a2V5Zm9yZnV6emluZ3B1cnBvc2VzMTIzNDU2 alice@example
  - name: bob
    system: true
    no_create_home: true
    uid: 1500
groups:
  - admins: [alice]
  - ops
ssh_authorized_keys:
  - ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7fuzz root@example
disable_root: true
ssh_pwauth: false
password: hunter2-not-real
chpasswd:
  expire: false
  users:
    - {name: alice, password: "correct horse", type: text}
    - {name: root, type: RANDOM}
write_files:
  - path: /etc/motd
    content: "hello\\n"
    permissions: "0644"
    owner: root:root
  - path: /etc/b64
    encoding: b64
    content: aGVsbG8gd29ybGQK
    append: true
  - path: /etc/gz
    encoding: gz+b64
    content: H4sIAAAAAAAAA8tIzcnJBwCGphA2BQAAAA==
    defer: true
bootcmd:
  - echo boot
  - [cloud-init-per, once, x, touch, /x]
runcmd:
  - [ls, -l, /]
  - echo done
timezone: Europe/Paris
ntp:
  enabled: true
  servers: [ntp1.example.com]
  pools: [pool.ntp.org]
ca_certs:
  trusted:
    - |
      -----BEGIN CERTIFICATE-----
      MIIBszCCAVmgAwIBAgIUfuzz
      -----END CERTIFICATE-----
packages: [htop, [vim, "2:8.2"]]
package_update: true
growpart: {mode: auto, devices: ["/"]}
resize_rootfs: true
power_state: {mode: reboot, delay: now, message: bye, timeout: 30, condition: true}
final_message: "done after $UPTIME"
`;

export const SMALL_CLOUD_CONFIGS = [
  "#cloud-config\nhostname: a\n",
  "#cloud-config\nruncmd: [[echo, hi]]\nwrite_files: [{path: /x, permissions: 0600, content: x}]\n",
  "#cloud-config\nusers: [{name: u, plain_text_passwd: p, hashed_passwd: x}]\nchpasswd: {list: 'root:pw\\nalice:RANDOM'}\n",
  "#cloud-config\n",
  "#cloud-config\nmerge_how: dict(recurse_array)+list(append)\npackages: [a]\n",
];

const boundary = "==BOUNDARY==";
export const MIME = [
  `Content-Type: multipart/mixed; boundary="${boundary}"`,
  "MIME-Version: 1.0",
  "",
  `--${boundary}`,
  'Content-Type: text/cloud-config; charset="us-ascii"',
  "MIME-Version: 1.0",
  "Content-Transfer-Encoding: 7bit",
  'Content-Disposition: attachment; filename="cloud-config.txt"',
  "",
  "#cloud-config",
  "hostname: from-mime",
  "runcmd: [echo one]",
  "",
  `--${boundary}`,
  "Content-Type: text/x-shellscript",
  "Content-Transfer-Encoding: base64",
  "",
  Buffer.from("#!/bin/sh\necho from base64\n").toString("base64"),
  `--${boundary}`,
  "Content-Type: text/cloud-config",
  "Content-Transfer-Encoding: quoted-printable",
  "",
  "#cloud-config",
  "runcmd: [echo =C3=A9t=C3=A9, echo two=",
  "]",
  `--${boundary}`,
  'Content-Type: multipart/alternative; boundary="inner"',
  "",
  "--inner",
  "Content-Type: text/cloud-boothook",
  "",
  "#cloud-boothook",
  "echo boothook",
  "--inner",
  "Content-Type: text/plain",
  "",
  "#!/bin/bash\necho plain detected",
  "--inner--",
  `--${boundary}`,
  "Content-Type: application/x-gzip",
  "Content-Transfer-Encoding: base64",
  "",
  gzipSync("#cloud-config\npackages: [gzipped]\n").toString("base64"),
  `--${boundary}--`,
  "",
].join("\n");

export const SCRIPTS = [
  "#!/bin/sh\necho hello\r\necho crlf\r\n",
  "#cloud-boothook\n#!/bin/sh\necho early\n",
  "#ps1\nWrite-Host hi\n",
  "#ps1_sysnative\nGet-Date\n",
  "rem cmd\necho hi\n",
  "<powershell>\nWrite-Host inside\n</powershell>\n<persist>true</persist>\n",
  "#include\nhttp://example.com/x\n",
  "## template: jinja\n#cloud-config\nhostname: {{ v1.local_hostname }}\n",
  "just some text that is nothing\n",
];

/** Every user-data seed as bytes; the gzip ones are binary. */
export function userDataSeeds(): Uint8Array[] {
  return [
    bytesOf(CLOUD_CONFIG),
    ...SMALL_CLOUD_CONFIGS.map(bytesOf),
    bytesOf(MIME),
    ...SCRIPTS.map(bytesOf),
    new Uint8Array(gzipSync(CLOUD_CONFIG)),
    new Uint8Array(gzipSync(MIME)),
  ];
}

export const USER_DATA_WORDS = [
  "#cloud-config", "#!", "#cloud-boothook", "#include", "#part-handler", "#cloud-config-archive", "#ps1", "<powershell>", "</powershell>", "MIME-Version: 1.0",
  "Content-Type: multipart/mixed; boundary=x", "--==BOUNDARY==", "--==BOUNDARY==--", "Content-Transfer-Encoding: base64", "Content-Transfer-Encoding: quoted-printable",
  "text/cloud-config", "text/x-shellscript", "application/gzip", "filename=", "\r\n", "\n\n", "=\n", "=C3", "boundary=", "users", "write_files", "chpasswd", "runcmd",
  "encoding", "gz+b64", "b64", "permissions", "owner", "path", "content", "passwd", "hashed_passwd", "plain_text_passwd", "sudo", "groups", "ssh_authorized_keys", "default",
  "power_state", "mode", "delay", "ntp", "timezone", "packages", "merge_how", "__proto__", "<<", "&a", "*a", "!!binary", "|", ">-",
];
