import { afterAll, describe, expect, test } from "bun:test";
import { InputError } from "../../../src/errors.ts";
import { createFakeFs, type FakeTree } from "../../../src/host/fake-fs.ts";
import { memoryBlockSource } from "../../../src/transports/images/block-source.ts";
import { openFat } from "../../../src/transports/images/fat.ts";
import { openIso9660 } from "../../../src/transports/images/iso9660.ts";
import { configDriveSource } from "../../../src/transports/openstack/config-drive-source.ts";
import { LIMITS, readOpenstack } from "../../../src/transports/openstack/read-openstack.ts";
import { pickVersion } from "../../../src/transports/openstack/versions.ts";
import { pseudoRandomBytes, Workspace } from "../../helpers/make-images.ts";

const META = {
  uuid: "83679162-1378-4288-a2d4-70e13ec132aa",
  hostname: "web-1.novalocal",
  name: "web-1",
  public_keys: { mykey: "ssh-ed25519 AAAAC3Nza mykey\n" },
  keys: [{ name: "mykey", type: "ssh", data: "ssh-ed25519 AAAAC3Nza mykey\n" }, { name: "other", type: "ssh", data: "ssh-rsa AAAAB3Nza other" }],
  admin_pass: "hunter2",
  files: [{ path: "/etc/injected.conf", content_path: "/content/0000" }],
  meta: { role: "web" },
  availability_zone: "nova",
  random_seed: "c2VlZA==",
};
const NETWORK = {
  links: [{ id: "tap0", type: "phy", ethernet_mac_address: "fa:16:3e:00:00:01", mtu: 1450 }],
  networks: [{ id: "net0", link: "tap0", type: "ipv4", ip_address: "10.0.0.5", netmask: "255.255.255.0" }],
  services: [{ type: "dns", address: "10.0.0.2" }],
};
const TREE: FakeTree = {
  "/openstack/2012-08-10/meta_data.json": JSON.stringify({ uuid: "old" }),
  "/openstack/2018-08-27/meta_data.json": JSON.stringify(META),
  "/openstack/2018-08-27/network_data.json": JSON.stringify(NETWORK),
  "/openstack/2018-08-27/user_data": "#cloud-config\nhostname: x\n",
  "/openstack/2018-08-27/vendor_data.json": JSON.stringify({ "cloud-init": "#cloud-config\nntp: {}\n" }),
  "/openstack/latest/meta_data.json": JSON.stringify({ uuid: "latest" }),
  "/openstack/content/0000": "key=value\n",
};

const read = (tree: FakeTree) => readOpenstack(configDriveSource(createFakeFs(tree), "/dev/sr0"), "config-drive");
const fail = (tree: FakeTree) => read(tree).then(() => null, (e) => e as InputError);

describe("OpenStack metadata (config drive)", () => {
  test("versions: the newest known one, else latest", () => {
    expect(pickVersion(["2012-08-10", "latest", "2016-06-30"])).toBe("2016-06-30");
    expect(pickVersion(["2099-01-01", "latest"])).toBe("latest");
    expect(pickVersion(["2099-01-01"])).toBeNull();
  });

  test("a full tree reads into InstanceData", async () => {
    const data = await read(TREE);
    expect(data).toMatchObject({
      source: { transport: "config-drive", location: "/dev/sr0" },
      instanceId: META.uuid,
      hostname: "web-1",
      fqdn: "web-1.novalocal",
      publicKeys: ["ssh-ed25519 AAAAC3Nza mykey", "ssh-rsa AAAAB3Nza other"],
      metadata: { name: "web-1", meta: { role: "web" }, availability_zone: "nova", version: "2018-08-27", random_seed: "(present)" },
      network: { format: "openstack", source: "/dev/sr0:openstack/2018-08-27/network_data.json", config: NETWORK },
    });
    expect(data.adminPassword?.reveal()).toBe("hunter2");
    expect(JSON.stringify(data)).not.toContain("hunter2");
    expect(data.files.map((f) => [f.path, new TextDecoder().decode(f.content)])).toEqual([["/etc/injected.conf", "key=value\n"]]);
    expect(new TextDecoder().decode(data.userData)).toBe("#cloud-config\nhostname: x\n");
    expect(new TextDecoder().decode(data.vendorData)).toBe("#cloud-config\nntp: {}\n");
  });

  const refusals: [string, FakeTree, string][] = [
    ["no openstack/ at all", {}, '/dev/sr0:openstack/: no usable version: offered [], need latest or a dated one'],
    ["no meta_data.json", { "/openstack/latest/user_data": "x" }, "/dev/sr0:openstack/latest/meta_data.json: missing"],
    ["truncated JSON", { "/openstack/latest/meta_data.json": '{"uuid": "a", "hostna' }, "/dev/sr0:openstack/latest/meta_data.json: invalid JSON"],
    ["meta_data.json a list", { "/openstack/latest/meta_data.json": "[1]" }, "expected a mapping of keys (uuid, hostname, …), got a list"],
    ["no uuid", { "/openstack/latest/meta_data.json": '{"hostname": "a"}' }, "/dev/sr0:openstack/latest/meta_data.json: uuid: required"],
    ["uuid a number", { "/openstack/latest/meta_data.json": '{"uuid": 5}' }, "uuid: expected a string"],
    ["keys of the wrong type", { "/openstack/latest/meta_data.json": '{"uuid": "a", "public_keys": ["k"]}' }, "public_keys: expected a mapping, got a list"],
    ["a file path with ..", { "/openstack/latest/meta_data.json": '{"uuid": "a", "files": [{"path": "/etc/../shadow", "content_path": "/content/0000"}]}' }, "files.0.path: must not contain .. or NUL"],
    ["a content path outside content/", { "/openstack/latest/meta_data.json": '{"uuid": "a", "files": [{"path": "/x", "content_path": "/../../etc/shadow"}]}' }, "files.0.content_path: expected /content/NAME"],
    ["content that is missing", { "/openstack/latest/meta_data.json": '{"uuid": "a", "files": [{"path": "/x", "content_path": "/content/0009"}]}' }, "/dev/sr0:openstack/content/0009: files[0].content_path: names a file that does not exist"],
    ["network_data.json with links not a list", { "/openstack/latest/meta_data.json": '{"uuid": "a"}', "/openstack/latest/network_data.json": '{"links": {}}' }, "network_data.json: links: "],
    ["meta_data.json not UTF-8", { "/openstack/latest/meta_data.json": new Uint8Array([0x7b, 0xff, 0x7d]) }, "meta_data.json: not valid UTF-8 text"],
  ];
  for (const [name, tree, message] of refusals) {
    test(`refused: ${name}`, async () => {
      const error = await fail(tree);
      expect(error).toBeInstanceOf(InputError);
      expect(error?.message).toContain(message);
    });
  }

  test("an oversized meta_data.json is refused before it is read", async () => {
    const error = await fail({ "/openstack/latest/meta_data.json": new Uint8Array(LIMITS.json + 1) });
    expect(error?.message).toBe(`/dev/sr0:openstack/latest/meta_data.json: ${LIMITS.json + 1} bytes is over the limit of ${LIMITS.json} bytes`);
  });
});

describe("config drives as real images", () => {
  const ws = new Workspace();
  afterAll(() => ws.remove());
  const big = pseudoRandomBytes(1536 * 1024, 11);
  const spec = {
    "openstack/latest/meta_data.json": JSON.stringify(META),
    "openstack/latest/network_data.json": JSON.stringify(NETWORK),
    "openstack/latest/user_data": big,
    "openstack/content/0000": "key=value\n",
  };

  const makers: [string, () => Promise<Uint8Array>][] = [
    ["genisoimage -J -R", async () => ws.iso("genisoimage", ["-V", "config-2", "-J", "-R"], ws.tree("g", spec), "g.iso")],
    ["xorriso -J -R", async () => ws.iso("xorriso", ["-V", "config-2", "-J", "-R"], ws.tree("x", spec), "x.iso")],
    ["genisoimage, Rock Ridge only", async () => ws.iso("genisoimage", ["-V", "config-2", "-R"], ws.tree("r", spec), "r.iso")],
    ["mkfs.vfat FAT16 + mcopy", async () => ws.fat(16, "config-2", 32768, ws.tree("f", spec), "f.img")],
  ];
  for (const [name, make] of makers) {
    test(`${name}: read through our reader, byte for byte`, async () => {
      const image = await make();
      const src = memoryBlockSource("/dev/sr0", image);
      const tree = name.startsWith("mkfs") ? await openFat(src) : await openIso9660(src);
      const data = await readOpenstack(configDriveSource(tree, "/dev/sr0"), "config-drive");
      expect(data.instanceId).toBe(META.uuid);
      expect(data.userData).toEqual(big);
      expect(data.files[0]?.path).toBe("/etc/injected.conf");
    });
  }

  test("a truncated config drive is a clear error, not a crash", async () => {
    const image = await ws.iso("genisoimage", ["-V", "config-2", "-J", "-R"], ws.tree("t", spec), "t.iso");
    const cut = image.subarray(0, image.length - 1024 * 1024);
    const error = await (async () => readOpenstack(configDriveSource(await openIso9660(memoryBlockSource("/dev/sr0", cut)), "/dev/sr0"), "config-drive"))().catch((e) => e);
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toContain("/dev/sr0");
  });
});
