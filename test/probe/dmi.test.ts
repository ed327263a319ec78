import { describe, expect, test } from "bun:test";
import { createFakeFs } from "../../src/host/fake-fs.ts";
import { classifyDmi, readDmi } from "../../src/probe/dmi.ts";

describe("DMI", () => {
  const cases: [Record<string, string>, ReturnType<typeof classifyDmi>][] = [
    [{ sys_vendor: "OpenStack Foundation", product_name: "OpenStack Nova", bios_vendor: "SeaBIOS" }, { cloud: "openstack", hypervisor: "kvm" }],
    [{ sys_vendor: "RDO", product_name: "OpenStack Compute" }, { cloud: "openstack" }],
    [{ sys_vendor: "Amazon EC2", product_name: "m5.large" }, { cloud: "aws" }],
    [{ sys_vendor: "Xen", product_name: "HVM domU", product_uuid: "EC2A1B2C-0000-0000-0000-000000000000" }, { cloud: "aws", hypervisor: "xen" }],
    [{ sys_vendor: "Google", product_name: "Google Compute Engine" }, { cloud: "gce" }],
    [{ sys_vendor: "Microsoft Corporation", product_name: "Virtual Machine", chassis_asset_tag: "7783-7084-3265-9085-8269-3286-77" }, { cloud: "azure", hypervisor: "hyper-v" }],
    [{ sys_vendor: "QEMU", product_name: "Standard PC (i440FX + PIIX, 1996)" }, { hypervisor: "kvm" }],
    [{}, {}],
  ];
  for (const [dmi, expected] of cases) test(`${dmi.sys_vendor ?? "(none)"} / ${dmi.product_name ?? ""}`, () => expect(classifyDmi(dmi)).toEqual(expected));

  test("garbage fields are named and left out, the rest are read", async () => {
    const fs = createFakeFs({
      "/sys/class/dmi/id/sys_vendor": "OpenStack Foundation\n",
      "/sys/class/dmi/id/product_name": new Uint8Array([0x4f, 0x00, 0xff, 0x0a]),
      "/sys/class/dmi/id/chassis_asset_tag": "x".repeat(5000),
      "/sys/class/dmi/id/board_vendor": "\n",
    });
    const { dmi, evidence } = await readDmi(fs);
    expect(dmi).toEqual({ sys_vendor: "OpenStack Foundation" });
    expect(evidence.sort()).toEqual(["dmi chassis_asset_tag: longer than 256 bytes, ignored", "dmi product_name: not printable text, ignored"]);
  });
});
