/**
 * The EC2 metadata tree (readMetadataService on an EC2-style service: IMDSv2 token, leaves, key
 * index, MAC index and per-interface leaves, identity document, user-data), answered in-process by
 * the fake host's fetch: no socket, nothing leaves the process. Leaves are mutated, removed,
 * answered with odd statuses; listings grow and repeat. Results go through boot's preparation.
 */
import { describe, test } from "bun:test";
import { createFakeHost } from "../../src/host/fake.ts";
import { readMetadataService } from "../../src/transports/metadata-http/read-metadata-service.ts";
import { expectValidInputs, prepare } from "./lib/boot-inputs.ts";
import { timeoutFor } from "./lib/config.ts";
import { expectClean, fuzz, type FuzzTarget } from "./lib/harness.ts";
import { LIMIT_NUMBERS, mutateBytes, utf8Bytes, type MutationContext } from "./lib/mutate.ts";
import type { Rng } from "./lib/prng.ts";
import { docInput } from "./lib/structures.ts";
import { seedSet } from "./lib/seeds.ts";

const META = "/latest/meta-data/";
const MAC1 = "fa:16:3e:00:00:01";
const MAC2 = "fa:16:3e:00:00:02";
const IFACE = `${META}network/interfaces/macs/`;

/** The tree of a two-NIC instance, as fake-imds.ts's FULL_EC2 (with this harness's NIC MACs). */
const TREE: Record<string, string> = {
  [`${META}instance-id`]: "i-0123456789abcdef0",
  [`${META}local-hostname`]: "ip-10-0-0-12.ec2.internal",
  [`${META}hostname`]: "ip-10-0-0-12.ec2.internal",
  [`${META}public-hostname`]: "ec2-1-2-3-4.compute-1.amazonaws.com",
  [`${META}ami-id`]: "ami-0abcdef1234567890",
  [`${META}instance-type`]: "t3.micro",
  [`${META}placement/availability-zone`]: "us-east-1a",
  [`${META}placement/region`]: "us-east-1",
  [`${META}local-ipv4`]: "10.0.0.12",
  [`${META}public-ipv4`]: "1.2.3.4",
  [`${META}mac`]: MAC1,
  [`${META}public-keys/`]: "0=alice\n1=bob",
  [`${META}public-keys/0/openssh-key`]: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA alice@laptop\n",
  [`${META}public-keys/1/openssh-key`]: "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ== bob\n",
  [IFACE]: `${MAC1}/\n${MAC2}/\n`,
  [`${IFACE}${MAC1}/device-number`]: "0",
  [`${IFACE}${MAC1}/local-ipv4s`]: "10.0.0.12\n10.0.0.13",
  [`${IFACE}${MAC1}/subnet-ipv4-cidr-block`]: "10.0.0.0/24",
  [`${IFACE}${MAC1}/ipv6s`]: "2600:1f18:abc:def::12",
  [`${IFACE}${MAC1}/subnet-ipv6-cidr-blocks`]: "2600:1f18:abc:def::/64",
  [`${IFACE}${MAC1}/mac`]: MAC1,
  [`${IFACE}${MAC2}/device-number`]: "1",
  [`${IFACE}${MAC2}/local-ipv4s`]: "10.0.1.7",
  [`${IFACE}${MAC2}/subnet-ipv4-cidr-block`]: "10.0.1.0/24",
  [`${IFACE}${MAC2}/mac`]: MAC2,
  "/latest/dynamic/instance-identity/document": JSON.stringify({ instanceId: "i-0123456789abcdef0", region: "us-east-1", availabilityZone: "us-east-1a", accountId: "123456789012", privateIp: "10.0.0.12" }),
  "/latest/user-data": "#cloud-config\npackages: [htop]\n",
};

const identitySeeds = seedSet([TREE["/latest/dynamic/instance-identity/document"]!], ["instanceId", "region", "privateIp", "architecture"]);
const leaves = Object.values(TREE).map(utf8Bytes);
const WORDS = [MAC1, MAC2, "0e:49:61:0f:c3:11", "0=", "/", "\n", "ssh-rsa", "ssh-ed25519", "AAAA", "i-", "ip-10-0-0-1", "::", "/64", "/24", "10.0.0.1", ...LIMIT_NUMBERS];
const ctx: MutationContext = { others: leaves, dictionary: WORDS, maxBytes: 80 << 10 };

interface Answer {
  status: number;
  body: Uint8Array;
}

interface Service {
  token: Answer;
  paths: Map<string, Answer>;
}

function generate(rng: Rng): Service {
  const paths = new Map<string, Answer>();
  for (const [path, body] of Object.entries(TREE)) paths.set(path, { status: 200, body: utf8Bytes(body) });
  // Some trees are left whole: a valid read must reach boot's preparation often enough to test it.
  const edits = rng.chance(0.2) ? 0 : rng.small(5);
  const all = [...paths.keys()];
  for (let i = 0; i < edits; i++) {
    const path = rng.pick(all);
    const old = paths.get(path) ?? { status: 200, body: utf8Bytes(TREE[path] ?? "") };
    rng.weighted<() => void>([
      [6, () => void paths.set(path, { status: 200, body: mutateBytes(rng, old.body, ctx) })],
      [2, () => void paths.delete(path)],
      [1, () => void paths.set(path, { status: rng.pick([401, 403, 500, 503, 302, 204, 418]), body: utf8Bytes("no") })],
      [1, () => void paths.set(path, { status: 200, body: rng.bytes(rng.small(4096)) })],
      // A listing or a leaf repeated: many keys, many NICs, many lines.
      [1, () => void paths.set(path, { status: 200, body: utf8Bytes(Array.from({ length: rng.pick([3, 64, 1000]) }, (_, j) => (path === IFACE ? `${MAC1}/` : path.endsWith("public-keys/") ? `${j}=k${j}` : new TextDecoder().decode(old.body))).join("\n")) })],
      [path.endsWith("document") ? 3 : 0, () => void paths.set(path, { status: 200, body: docInput(rng, { format: "json", ...identitySeeds, maxBytes: 2 << 20 }) })],
      // A leaf at its limit (64 KiB) or over it.
      [0.3, () => void paths.set(path, { status: 200, body: new Uint8Array((64 << 10) + rng.pick([-1, 0, 1])).fill(0x61) })],
    ])();
  }
  const token = rng.weighted<Answer>([
    [8, { status: 200, body: utf8Bytes("AQAEAfuzztoken==") }],
    [1, { status: 404, body: utf8Bytes("") }],
    [1, { status: 403, body: utf8Bytes("") }],
    [1, { status: 200, body: rng.chance(0.5) ? utf8Bytes("tok\r\nX-Injected: 1") : rng.bytes(rng.small(2000)) }],
    [1, { status: 500, body: utf8Bytes("") }],
  ]);
  return { token, paths };
}

/** Answers the service's requests from the generated tree; GET /openstack is EC2's 404. */
function hostFor(service: Service) {
  return createFakeHost({
    fetch(request) {
      const path = new URL(request.url).pathname;
      const answer = request.method === "PUT" && path === "/latest/api/token" ? service.token : service.paths.get(path);
      return new Response(answer?.body ?? "not found", { status: answer?.status ?? 404 });
    },
  });
}

const target: FuzzTarget<Service> = {
  name: "ec2 metadata tree",
  file: import.meta.path,
  count: 2000,
  generate,
  async run(service) {
    const host = hostFor(service);
    const data = await readMetadataService(host, "http://169.254.169.254", { budgetMs: 1500, policy: { retries: 1, baseDelayMs: 1, maxDelayMs: 2, timeoutMs: 1000 } });
    return prepare(data);
  },
  check: expectValidInputs,
  show: (s) => JSON.stringify({ token: s.token.status, paths: Object.fromEntries([...s.paths].filter(([p, a]) => a.status !== 200 || new TextDecoder().decode(a.body) !== TREE[p]).map(([p, a]) => [p, `${a.status} ${Buffer.from(a.body.subarray(0, 200)).toString("latin1")}`])) }),
  bytes: (s) => JSON.stringify({ token: { status: s.token.status, body: Buffer.from(s.token.body).toString("base64") }, paths: Object.fromEntries([...s.paths].map(([p, a]) => [p, { status: a.status, body: Buffer.from(a.body).toString("base64") }])) }),
  timeLimitMs: 3000,
};

describe("fuzz: ec2", () => {
  test(target.name, async () => expectClean(await fuzz(target), target), timeoutFor(target.count, 60));
});
