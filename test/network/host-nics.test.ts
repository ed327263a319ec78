import { describe, expect, test } from "bun:test";
import { createFakeHost } from "../../src/host/fake.ts";
import { parseNicFlag, readHostNics } from "../../src/network/host-nics.ts";

describe("host NICs", () => {
  test("read from /sys/class/net through host.fs: lower-cased, loopback and MAC-less devices left out", async () => {
    const host = createFakeHost({
      tree: {
        "/sys/class/net/lo/address": "00:00:00:00:00:00\n",
        "/sys/class/net/eth0/address": "FA:16:3E:00:00:01\n",
        "/sys/class/net/ens4/address": "fa:16:3e:00:00:02\n",
        "/sys/class/net/tun0/address": "\n",
        "/sys/class/net/sit0/address": "00:00:00:00:00:00\n",
      },
    });
    expect(await readHostNics(host.fs)).toEqual([
      { name: "ens4", mac: "fa:16:3e:00:00:02" },
      { name: "eth0", mac: "fa:16:3e:00:00:01" },
    ]);
  });

  test("no /sys/class/net (an image tree): no NICs", async () => {
    expect(await readHostNics(createFakeHost().fs)).toEqual([]);
  });

  test("-m name,mac", () => {
    expect(parseNicFlag("eth0,FA:16:3E:00:00:01")).toEqual({ name: "eth0", mac: "fa:16:3e:00:00:01" });
    expect(parseNicFlag("eth0")).toBeUndefined();
    expect(parseNicFlag(",fa:16:3e:00:00:01")).toBeUndefined();
    expect(parseNicFlag("eth0,zz")).toBeUndefined();
  });
});
