import type { RootedFs } from "../host/types.ts";
import { readSysValue } from "./read-sysfs.ts";

export const DMI_FIELDS = ["sys_vendor", "product_name", "product_uuid", "product_serial", "chassis_asset_tag", "board_vendor", "bios_vendor"] as const;

const AZURE_ASSET_TAG = "7783-7084-3265-9085-8269-3286-77";

/** The cloud and hypervisor that DMI names (what cloud-init's ds-identify reads). */
export function classifyDmi(dmi: Record<string, string>): { cloud?: string; hypervisor?: string } {
  const vendor = dmi.sys_vendor ?? "";
  const product = dmi.product_name ?? "";
  const result: { cloud?: string; hypervisor?: string } = {};
  if (/^OpenStack (Nova|Compute)$/.test(product) || vendor === "OpenStack Foundation") result.cloud = "openstack";
  else if (vendor === "Amazon EC2" || /^ec2/i.test(dmi.product_uuid ?? "") || /^ec2/i.test(dmi.product_serial ?? "")) result.cloud = "aws";
  else if (product === "Google Compute Engine" || vendor === "Google") result.cloud = "gce";
  else if (dmi.chassis_asset_tag === AZURE_ASSET_TAG) result.cloud = "azure";
  else if (dmi.chassis_asset_tag === "OracleCloud.com") result.cloud = "oracle";
  if (vendor === "Xen" || /HVM domU/.test(product)) result.hypervisor = "xen";
  else if (vendor === "QEMU" || /^(KVM|Standard PC)/.test(product) || dmi.bios_vendor === "SeaBIOS") result.hypervisor = "kvm";
  else if (vendor === "Microsoft Corporation" && product === "Virtual Machine") result.hypervisor = "hyper-v";
  else if (/VMware/i.test(vendor)) result.hypervisor = "vmware";
  return result;
}

/** Reads /sys/class/dmi/id; a garbled field is named in the evidence and left out of the facts. */
export async function readDmi(fs: RootedFs): Promise<{ dmi: Record<string, string>; evidence: string[] }> {
  const dmi: Record<string, string> = {};
  const evidence: string[] = [];
  await Promise.all(
    DMI_FIELDS.map(async (field) => {
      const value = await readSysValue(fs, `/sys/class/dmi/id/${field}`);
      if (!value) return;
      if (value.ok) {
        if (value.value) dmi[field] = value.value;
      } else {
        evidence.push(`dmi ${field}: ${value.why}, ignored`);
      }
    }),
  );
  return { dmi, evidence };
}
