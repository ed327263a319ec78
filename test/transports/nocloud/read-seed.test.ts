import { describe, expect, test } from "bun:test";
import { resolve } from "node:path";
import { InputError } from "../../../src/errors.ts";
import { createFakeFs, type FakeTree } from "../../../src/host/fake-fs.ts";
import { createRealFs } from "../../../src/host/real-fs.ts";
import { LIMITS, readNocloudSeed, treeSeed } from "../../../src/transports/nocloud/read-seed.ts";
import { REPO } from "../../helpers/run-agent.ts";

const read = (tree: FakeTree, overrides = {}) => readNocloudSeed(treeSeed(createFakeFs(tree), "seed"), overrides);

async function inputError(tree: FakeTree): Promise<InputError> {
  const error = await read(tree).catch((e) => e);
  expect(error).toBeInstanceOf(InputError);
  return error as InputError;
}

describe("NoCloud seed", () => {
  test("the bundled example reads into instance data", async () => {
    const data = await readNocloudSeed(treeSeed(createRealFs(resolve(REPO, "examples/nocloud")), "examples/nocloud"));
    expect(data.instanceId).toBe("iid-example-0001");
    expect(data.hostname).toBe("example-web-1");
    expect(data.network?.format).toBe("v2");
    expect(new TextDecoder().decode(data.userData).startsWith("#cloud-config\n")).toBe(true);
  });

  test("meta-data fields: numbers as ids, keys in every form, the rest kept", async () => {
    const data = await read({
      "/meta-data": "instance-id: 1234\nhostname: db1\npublic-keys:\n  a: ssh-ed25519 AAAA a@x\n  b: [ssh-rsa BBBB b@x]\navailability-zone: nova\n",
    });
    expect(data).toEqual({
      source: { transport: "nocloud", location: "seed" },
      instanceId: "1234",
      hostname: "db1",
      publicKeys: ["ssh-ed25519 AAAA a@x", "ssh-rsa BBBB b@x"],
      files: [],
      metadata: { "availability-zone": "nova" },
    });
  });

  test("an FQDN host name: the first label is the host name, the whole kept as fqdn", async () => {
    const data = await read({ "/meta-data": "instance-id: i\nlocal-hostname: web1.example.internal\n" });
    expect([data.hostname, data.fqdn]).toEqual(["web1", "web1.example.internal"]);
  });

  test("command-line values win over meta-data, and can stand without it", async () => {
    const data = await read({ "/meta-data": "instance-id: from-file\nlocal-hostname: file-host\n" }, { "instance-id": "from-cmdline" });
    expect([data.instanceId, data.hostname]).toEqual(["from-cmdline", "file-host"]);
    const bare = await read({}, { "instance-id": "only-cmdline", "local-hostname": "h" });
    expect([bare.instanceId, bare.hostname]).toEqual(["only-cmdline", "h"]);
  });

  test("keys as one string: one per line, comments and blanks dropped", async () => {
    const data = await read({ "/meta-data": "instance-id: i\npublic-keys: |\n  ssh-ed25519 AAAA a\n  # old\n\n  ssh-rsa BBBB b\n" });
    expect(data.publicKeys).toEqual(["ssh-ed25519 AAAA a", "ssh-rsa BBBB b"]);
  });

  test("network-config v1, v2, under network:, and disabled", async () => {
    const v1 = await read({ "/meta-data": "instance-id: i\n", "/network-config": "version: 1\nconfig: []\n" });
    expect(v1.network?.format).toBe("v1");
    const wrapped = await read({ "/meta-data": "instance-id: i\n", "/network-config": "network:\n  version: 2\n  ethernets: {}\n" });
    expect(wrapped.network?.format).toBe("v2");
    const disabled = await read({ "/meta-data": "instance-id: i\n", "/network-config": "network:\n  config: disabled\n" });
    expect(disabled.network).toBeUndefined();
    const empty = await read({ "/meta-data": "instance-id: i\n", "/network-config": "" });
    expect(empty.network).toBeUndefined();
  });

  const refusals: [string, FakeTree, string][] = [
    ["no meta-data", {}, "seed/meta-data: missing: a NoCloud seed needs meta-data with an instance-id"],
    ["no instance-id", { "/meta-data": "local-hostname: a\n" }, "seed/meta-data: instance-id: required"],
    ["empty instance-id", { "/meta-data": "instance-id: ''\n" }, "seed/meta-data: instance-id: must not be empty"],
    ["instance-id with a slash", { "/meta-data": "instance-id: ../../etc\n" }, "seed/meta-data: instance-id: must not contain white space or slashes"],
    ["bad hostname", { "/meta-data": "instance-id: i\nlocal-hostname: 'a;reboot'\n" }, 'seed/meta-data: local-hostname: expected a host name'],
    ["bad YAML", { "/meta-data": "instance-id: [\n" }, "seed/meta-data: line 2, column 1: invalid YAML"],
    ["meta-data not a mapping", { "/meta-data": "- a\n- b\n" }, "seed/meta-data: expected a mapping of keys (instance-id, local-hostname, …), got a list"],
    ["network version 3", { "/meta-data": "instance-id: i\n", "/network-config": "version: 3\n" }, "seed/network-config: version: expected 1 or 2, got 3"],
    ["network under network: without version", { "/meta-data": "instance-id: i\n", "/network-config": "network: {ethernets: {}}\n" }, "seed/network-config: network.version: expected 1 or 2, got null"],
    ["meta-data as a directory", { "/meta-data": { dir: true } }, "seed/meta-data: expected a regular file, found a dir"],
    ["meta-data not UTF-8", { "/meta-data": new Uint8Array([0x69, 0xff, 0xfe]) }, "seed/meta-data: not valid UTF-8 text"],
  ];
  for (const [name, tree, message] of refusals) {
    test(`refused: ${name}`, async () => {
      expect((await inputError(tree)).message).toStartWith(message);
    });
  }

  test("every problem in meta-data is named, not just the first", async () => {
    const error = await inputError({ "/meta-data": "instance-id: ''\nlocal-hostname: -bad-\npublic-keys: 7\n" });
    expect(error.problems.map((p) => p.path)).toEqual(["instance-id", "local-hostname", "public-keys"]);
  });

  test("an oversized user-data is refused before it is read", async () => {
    const error = await inputError({ "/meta-data": "instance-id: i\n", "/user-data": new Uint8Array(LIMITS["user-data"] + 1) });
    expect(error.message).toBe(`seed/user-data: ${LIMITS["user-data"] + 1} bytes is over the limit of ${LIMITS["user-data"]} bytes`);
  });
});
