import { describe, expect, test } from "bun:test";
import { cmdlineTokens, readCmdline } from "../../src/probe/cmdline.ts";

describe("kernel command line", () => {
  test("tokens split on spaces, quotes group", () => {
    expect(cmdlineTokens('root=/dev/vda1 ro "ds=nocloud;s=http://10.0.0.2/a b/" quiet')).toEqual(["root=/dev/vda1", "ro", "ds=nocloud;s=http://10.0.0.2/a b/", "quiet"]);
  });

  const cases: [string, ReturnType<typeof readCmdline>][] = [
    ["root=/dev/vda1 quiet", { evidence: [] }],
    ["tether.transport=virtio", { forcedTransport: "virtio", evidence: ["kernel command line: tether.transport=virtio"] }],
    [
      "tether.transport=carrier-pigeon",
      { evidence: ["kernel command line: tether.transport=carrier-pigeon ignored: transports are config-drive, nocloud, metadata-http, xenstore, virtio"] },
    ],
    [
      "ds=nocloud;s=http://127.0.0.1:8000/seed/;i=iid-7;h=web1",
      {
        nocloudSeed: { seedfrom: "http://127.0.0.1:8000/seed/", "instance-id": "iid-7", "local-hostname": "web1" },
        evidence: ["kernel command line: ds=nocloud;s=http://127.0.0.1:8000/seed/;i=iid-7;h=web1"],
      },
    ],
    ["ds=nocloud-net;seedfrom=file:///seed/", { nocloudSeed: { seedfrom: "file:///seed/" }, evidence: ["kernel command line: ds=nocloud-net;seedfrom=file:///seed/"] }],
    ["ds=ec2", { evidence: [] }],
  ];
  for (const [cmdline, expected] of cases) test(cmdline, () => expect(readCmdline(cmdline)).toEqual(expected));
});
