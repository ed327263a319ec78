import { failure } from "../../helpers/failure.ts";
import { afterAll, describe, expect, test } from "bun:test";
import { HostError, InputError } from "../../../src/errors.ts";
import type { RetryPolicy } from "../../../src/transports/metadata-http/fetcher.ts";
import { readMetadataService } from "../../../src/transports/metadata-http/read-metadata-service.ts";
import { ec2Server, FULL_EC2, realHost, stopServers } from "./fake-imds.ts";

afterAll(stopServers);

const META = "/latest/meta-data/";
const MAC1 = "0e:49:61:0f:c3:11";
const MAC2 = "0e:49:61:0f:c3:22";
const QUICK: Partial<RetryPolicy> = { timeoutMs: 1000, retries: 2, baseDelayMs: 10, maxDelayMs: 50, random: () => 0.5 };

async function read(url: string, budgetMs = 3000) {
  return readMetadataService(await realHost(), url, { budgetMs, policy: QUICK });
}


/** FULL_EC2 with some paths replaced (a string) or removed (undefined). */
function tree(changes: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = { ...FULL_EC2 };
  for (const [path, body] of Object.entries(changes)) {
    if (body === undefined) delete out[path];
    else out[path] = body;
  }
  return out;
}

describe("EC2 metadata service", () => {
  test("a full answer over IMDSv2, the token sent on every GET", async () => {
    const server = ec2Server(FULL_EC2);
    const data = await read(server.url);
    expect(data).toEqual({
      source: { transport: "metadata-http", location: server.url },
      instanceId: "i-0123456789abcdef0",
      hostname: "ip-10-0-0-12",
      fqdn: "ip-10-0-0-12.ec2.internal",
      publicKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA alice@laptop", "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ== bob"],
      userData: new TextEncoder().encode("#cloud-config\npackages: [htop]\n"),
      network: {
        format: "ec2",
        source: `${server.url}/latest/meta-data/network/interfaces/macs/`,
        config: {
          macs: {
            [MAC1]: {
              mac: MAC1,
              "device-number": 0,
              "local-ipv4s": ["10.0.0.12", "10.0.0.13"],
              "subnet-ipv4-cidr-block": "10.0.0.0/24",
              ipv6s: ["2600:1f18:abc:def::12"],
              "subnet-ipv6-cidr-blocks": ["2600:1f18:abc:def::/64"],
            },
            [MAC2]: { mac: MAC2, "device-number": 1, "local-ipv4s": ["10.0.1.7"], "subnet-ipv4-cidr-block": "10.0.1.0/24" },
          },
        },
      },
      files: [],
      metadata: {
        service: "ec2",
        imds: "v2",
        "local-hostname": "ip-10-0-0-12.ec2.internal",
        hostname: "ip-10-0-0-12.ec2.internal",
        "ami-id": "ami-0abcdef1234567890",
        "instance-type": "t3.micro",
        "placement/availability-zone": "us-east-1a",
        "placement/region": "us-east-1",
        "local-ipv4": "10.0.0.12",
        mac: MAC1,
        "public-keys": { "0": "alice", "1": "bob" },
        "instance-identity": { instanceId: "i-0123456789abcdef0", region: "us-east-1", availabilityZone: "us-east-1a", accountId: "123456789012", privateIp: "10.0.0.12" },
      },
    });
    const [openstack, put, ...gets] = server.seen;
    expect(openstack).toBe("GET /openstack -");
    expect(put).toBe("PUT /latest/api/token -");
    expect(gets.length).toBe(29);
    for (const line of gets) expect(line).toMatch(/^GET \/latest\/\S+ tok-1$/);
    expect(gets[0]).toBe("GET /latest/meta-data/instance-id tok-1");
  });

  test("IMDSv1 where the token PUT is refused with 405: no token header", async () => {
    const server = ec2Server(FULL_EC2, { putStatus: 405 });
    const data = await read(server.url);
    expect(data.instanceId).toBe("i-0123456789abcdef0");
    expect(data.metadata["imds"]).toBe("v1");
    expect(server.seen.filter((l) => l.startsWith("PUT"))).toEqual(["PUT /latest/api/token -"]);
    for (const line of server.seen.filter((l) => l.startsWith("GET"))) expect(line).toEndWith(" -");
  });

  test("IMDSv1 where the token PUT gets no usable answer (5xx after its short retries)", async () => {
    const server = ec2Server(FULL_EC2, { putStatus: 503 });
    const data = await read(server.url);
    expect(data.metadata["imds"]).toBe("v1");
    expect(server.seen.filter((l) => l.startsWith("PUT"))).toEqual(["PUT /latest/api/token -", "PUT /latest/api/token -"]);
  });

  test("a 401 fetches a new token once, then the GET succeeds", async () => {
    // tok-1 is refused from the start, as an expired token would be.
    const server = ec2Server(FULL_EC2, { accepts: (token) => token === "tok-2" });
    const data = await read(server.url);
    expect(data.instanceId).toBe("i-0123456789abcdef0");
    expect(server.seen.slice(0, 5)).toEqual([
      "GET /openstack -",
      "PUT /latest/api/token -",
      "GET /latest/meta-data/instance-id tok-1",
      "PUT /latest/api/token -",
      "GET /latest/meta-data/instance-id tok-2",
    ]);
    expect(server.seen.filter((l) => l.startsWith("PUT")).length).toBe(2);
  });

  test("a token revoked mid-read: the GETs that saw it share one new token", async () => {
    let gets = 0;
    const server = ec2Server(FULL_EC2, { accepts: (token, issued) => (token === "tok-1" ? ++gets <= 3 : token === `tok-${issued}`) });
    const data = await read(server.url);
    expect(data.publicKeys.length).toBe(2);
    expect(server.seen.filter((l) => l.startsWith("PUT")).length).toBe(2);
    expect(server.seen.filter((l) => l.endsWith(" tok-1")).length).toBeGreaterThan(3);
  });

  test("401 even with a new token: a HostError that does not reveal the token", async () => {
    const server = ec2Server(FULL_EC2, { accepts: () => false });
    const error = await failure(read(server.url));
    expect(error).toBeInstanceOf(HostError);
    expect(error.message).toBe(`GET ${server.url}/latest/meta-data/instance-id (the instance id): 401 Unauthorized, even after asking for a new token`);
    expect(error.message).not.toContain("tok-");
  });

  test("403 on the token PUT: the endpoint is disabled, nothing else is asked", async () => {
    const server = ec2Server(FULL_EC2, { putStatus: 403 });
    const error = await failure(read(server.url));
    expect(error).toBeInstanceOf(HostError);
    expect(error.message).toBe(`PUT ${server.url}/latest/api/token: 403, the instance metadata endpoint is disabled`);
    expect(server.seen).toEqual(["GET /openstack -", "PUT /latest/api/token -"]);
  });

  test("only the instance id: every optional part is absent (404)", async () => {
    const server = ec2Server({ [`${META}instance-id`]: "i-1" });
    const data = await read(server.url);
    expect(data).toEqual({
      source: { transport: "metadata-http", location: server.url },
      instanceId: "i-1",
      publicKeys: [],
      files: [],
      metadata: { service: "ec2", imds: "v2" },
    });
  });

  test("no instance id: an InputError naming it", async () => {
    const server = ec2Server(tree({ [`${META}instance-id`]: undefined }));
    const error = await failure(read(server.url));
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toBe(`${server.url}/latest/meta-data/instance-id: missing (404): the EC2 metadata service must name the instance`);
  });

  test("a 500 on one leaf, then success: retried", async () => {
    let failures = 0;
    const leaf = `${META}instance-type`;
    const server = ec2Server(FULL_EC2, { override: (path) => (path === leaf && failures++ === 0 ? new Response("oops", { status: 500 }) : undefined) });
    const data = await read(server.url);
    expect(data.metadata["instance-type"]).toBe("t3.micro");
    expect(server.seen.filter((l) => l === `GET ${leaf} tok-1`).length).toBe(2);
  });

  test("a 500 always on one leaf: fails after the retries, within the budget", async () => {
    const leaf = `${META}instance-type`;
    const server = ec2Server(FULL_EC2, { override: (path) => (path === leaf ? new Response("oops", { status: 500 }) : undefined) });
    const started = performance.now();
    const error = await failure(read(server.url, 2000));
    expect(performance.now() - started).toBeLessThan(2000);
    expect(error).toBeInstanceOf(HostError);
    expect(error.message).toBe(`GET ${server.url}${leaf} (instance-type): server error 500, after 3 tries`);
    expect(server.seen.filter((l) => l === `GET ${leaf} tok-1`).length).toBe(3);
  });

  test("a leaf that hangs: the whole read keeps its budget", async () => {
    const server = ec2Server(FULL_EC2, { override: (path) => (path === `${META}ami-id` ? Bun.sleep(5000).then(() => new Response("late")) : undefined) });
    const started = performance.now();
    const error = await failure(read(server.url, 600));
    expect(performance.now() - started).toBeLessThan(600 + 200);
    expect(error).toBeInstanceOf(HostError);
    expect(error.message).toStartWith(`GET ${server.url}${META}ami-id (ami-id): no answer within the budget of 600 ms, after 1 try`);
  });

  test("several public keys, one with two lines, duplicates dropped, in index order", async () => {
    const server = ec2Server({
      [`${META}instance-id`]: "i-1",
      [`${META}public-keys/`]: "0=a\n1=b\n2=c\n10=d\n",
      [`${META}public-keys/0/openssh-key`]: "ssh-ed25519 AAAA a\n",
      [`${META}public-keys/1/openssh-key`]: "ecdsa-sha2-nistp256 BBBB= b\nssh-ed25519 CCCC b2\n",
      [`${META}public-keys/2/openssh-key`]: "ssh-ed25519 AAAA a",
      [`${META}public-keys/10/openssh-key`]: "sk-ssh-ed25519@openssh.com DDDD d",
    });
    const data = await read(server.url);
    expect(data.publicKeys).toEqual(["ssh-ed25519 AAAA a", "ecdsa-sha2-nistp256 BBBB= b", "ssh-ed25519 CCCC b2", "sk-ssh-ed25519@openssh.com DDDD d"]);
    expect(data.metadata["public-keys"]).toEqual({ "0": "a", "1": "b", "2": "c", "10": "d" });
  });

  test("a bad key line: an InputError naming the URL and the line", async () => {
    const server = ec2Server(tree({ [`${META}public-keys/1/openssh-key`]: "ssh-rsa AAAA ok\n-----BEGIN OPENSSH PRIVATE KEY-----" }));
    const error = await failure(read(server.url));
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).source).toBe(`${server.url}/latest/meta-data/public-keys/1/openssh-key`);
    expect((error as InputError).problems).toEqual([{ path: "1", message: "expected an OpenSSH public key (TYPE BASE64 [COMMENT])" }]);
  });

  test("wrong types in leaves: an InputError naming the URL and each field", async () => {
    const server = ec2Server(tree({ [`${META}local-ipv4`]: "10.0.0.300", [`${META}local-hostname`]: "bad_name!" }));
    const error = await failure(read(server.url));
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).source).toBe(`${server.url}/latest/meta-data/`);
    expect((error as InputError).problems).toEqual([
      { path: "local-hostname", message: 'expected a host name or an IPv4 address, got "bad_name!"' },
      { path: "local-ipv4", message: "expected an IPv4 address" },
    ]);
  });

  test("wrong types in an interface: the MAC's URL and the field, down to the line", async () => {
    const server = ec2Server(
      tree({
        [`${META}network/interfaces/macs/${MAC2}/device-number`]: "one",
        [`${META}network/interfaces/macs/${MAC2}/local-ipv4s`]: "10.0.1.7\n10.0.1.999",
      }),
    );
    const error = await failure(read(server.url));
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).source).toBe(`${server.url}/latest/meta-data/network/interfaces/macs/${MAC2}/`);
    expect((error as InputError).problems).toEqual([
      { path: "device-number", message: "expected a device number" },
      { path: "local-ipv4s.1", message: "expected an IPv4 address" },
    ]);
  });

  test("a MAC listing line that is not a MAC is never used as a path", async () => {
    const server = ec2Server(tree({ [`${META}network/interfaces/macs/`]: `${MAC1}/\n../../user-data/\n` }));
    const error = await failure(read(server.url));
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).problems).toEqual([{ path: "1", message: "expected MAC/" }]);
    expect(server.seen.some((l) => l.includes("/macs/../"))).toBe(false);
  });

  test("truncated JSON in the identity document: an InputError naming the URL", async () => {
    const server = ec2Server(tree({ "/latest/dynamic/instance-identity/document": '{"instanceId": "i-0123456789abcdef0", "region": ' }));
    const error = await failure(read(server.url));
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).source).toBe(`${server.url}/latest/dynamic/instance-identity/document`);
    expect((error as InputError).problems[0]?.message).toStartWith("invalid JSON: ");
  });

  test("wrong types in the identity document: the field is named", async () => {
    const server = ec2Server(tree({ "/latest/dynamic/instance-identity/document": '{"region": 5, "accountId": ["x"]}' }));
    const error = await failure(read(server.url));
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).problems.map((p) => p.path)).toEqual(["region", "accountId"]);
    expect(error.message).toStartWith(`${server.url}/latest/dynamic/instance-identity/document: region: Invalid type: Expected string but received 5`);
  });

  test("an over-size user-data is an InputError naming the URL", async () => {
    const server = ec2Server(tree({ "/latest/user-data": "x".repeat((16 << 20) + 1) }));
    const error = await failure(read(server.url));
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toBe(`${server.url}/latest/user-data: the answer is ${(16 << 20) + 1} bytes, over the limit of ${16 << 20} bytes`);
  });

  test("a local-hostname with several names, or an address, still names the host", async () => {
    const several = ec2Server({ [`${META}instance-id`]: "i-1", [`${META}local-hostname`]: "web1.example.com web1.ec2.internal" });
    expect(await read(several.url)).toMatchObject({ hostname: "web1", fqdn: "web1.example.com" });
    const address = ec2Server({ [`${META}instance-id`]: "i-1", [`${META}local-hostname`]: "10.1.2.3" });
    const data = await read(address.url);
    expect(data.hostname).toBe("ip-10-1-2-3");
    expect(data.fqdn).toBeUndefined();
  });
});
