import { createLogger } from "../../../src/host/logger.ts";
import { createRealHost } from "../../../src/host/real.ts";
import type { Host } from "../../../src/host/types.ts";

export type Handler = (req: Request) => Response | Promise<Response>;

const servers: { stop(force?: boolean): void }[] = [];

/** For each test file's afterAll. */
export function stopServers(): void {
  servers.splice(0).forEach((s) => s.stop(true));
}

/** A metadata server on loopback; never 169.254.169.254. */
export function serve(handler: Handler): string {
  const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: handler });
  servers.push(server);
  return `http://127.0.0.1:${server.port}`;
}

/** A TCP listener that closes every connection as soon as it opens; counts the connections. */
export function resetting(): { url: string; connections: () => number } {
  let count = 0;
  const listener = Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(socket) {
        count++;
        socket.end();
      },
      data() {},
    },
  });
  servers.push(listener);
  return { url: `http://127.0.0.1:${listener.port}`, connections: () => count };
}

/** A TCP listener that answers every request with these raw bytes, then closes. */
export function rawServer(response: string): string {
  const listener = Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      data(socket) {
        socket.write(response);
        socket.end();
      },
    },
  });
  servers.push(listener);
  return `http://127.0.0.1:${listener.port}`;
}

export async function realHost(): Promise<Host> {
  return createRealHost({ root: "/", log: createLogger({ level: "silent", json: true }) });
}

/** A host whose backoff sleeps are recorded (and still slept, so budgets stay real). */
export function recordingSleeps(host: Host): { host: Host; sleeps: number[] } {
  const sleeps: number[] = [];
  return {
    sleeps,
    host: {
      ...host,
      sleep: (ms, signal) => {
        sleeps.push(ms);
        return host.sleep(ms, signal);
      },
    },
  };
}

export const not404 = () => new Response("Not Found", { status: 404 });

export interface Ec2Server {
  url: string;
  /** `METHOD path token-or-dash`, in arrival order. */
  seen: string[];
}

export interface Ec2Options {
  /** The PUT's status when it gives no token (403, 405, 503…); omitted: tokens tok-1, tok-2… */
  putStatus?: number;
  /** Whether a GET with this token (or none) is accepted; default: the latest token issued, or none in IMDSv1. */
  accepts?: (token: string | null, issued: number) => boolean;
  /** An answer that takes precedence over the tree for a GET (a 500, a hang…). */
  override?: (path: string) => Response | Promise<Response> | undefined;
}

/** An EC2 metadata service serving `tree` (path → body; absent paths are 404). */
export function ec2Server(tree: Record<string, string>, options: Ec2Options = {}): Ec2Server {
  const seen: string[] = [];
  let issued = 0;
  const url = serve((req) => {
    const path = new URL(req.url).pathname;
    const token = req.headers.get("x-aws-ec2-metadata-token");
    seen.push(`${req.method} ${path} ${token ?? "-"}`);
    if (req.method === "PUT" && path === "/latest/api/token") {
      if (options.putStatus) return new Response("", { status: options.putStatus });
      if (req.headers.get("x-aws-ec2-metadata-token-ttl-seconds") !== "21600") return new Response("bad ttl", { status: 400 });
      issued++;
      return new Response(`tok-${issued}`);
    }
    if (path === "/openstack") return not404();
    const ok = options.accepts ? options.accepts(token, issued) : options.putStatus ? token === null : token === `tok-${issued}`;
    if (!ok) return new Response("Unauthorized", { status: 401 });
    const special = options.override?.(path);
    if (special) return special;
    const body = tree[path];
    return body === undefined ? not404() : new Response(body);
  });
  return { url, seen };
}

const META = "/latest/meta-data/";
const MAC1 = "0e:49:61:0f:c3:11";
const MAC2 = "0e:49:61:0f:c3:22";

/** A whole EC2 answer: two keys, two interfaces, an identity document, user data. */
export const FULL_EC2: Record<string, string> = {
  [`${META}instance-id`]: "i-0123456789abcdef0",
  [`${META}local-hostname`]: "ip-10-0-0-12.ec2.internal",
  [`${META}hostname`]: "ip-10-0-0-12.ec2.internal",
  [`${META}ami-id`]: "ami-0abcdef1234567890",
  [`${META}instance-type`]: "t3.micro",
  [`${META}placement/availability-zone`]: "us-east-1a",
  [`${META}placement/region`]: "us-east-1",
  [`${META}local-ipv4`]: "10.0.0.12",
  [`${META}mac`]: MAC1,
  [`${META}public-keys/`]: "0=alice\n1=bob",
  [`${META}public-keys/0/openssh-key`]: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA alice@laptop\n",
  [`${META}public-keys/1/openssh-key`]: "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ== bob\n",
  [`${META}network/interfaces/macs/`]: `${MAC1}/\n${MAC2}/\n`,
  [`${META}network/interfaces/macs/${MAC1}/device-number`]: "0",
  [`${META}network/interfaces/macs/${MAC1}/local-ipv4s`]: "10.0.0.12\n10.0.0.13",
  [`${META}network/interfaces/macs/${MAC1}/subnet-ipv4-cidr-block`]: "10.0.0.0/24",
  [`${META}network/interfaces/macs/${MAC1}/ipv6s`]: "2600:1f18:abc:def::12",
  [`${META}network/interfaces/macs/${MAC1}/subnet-ipv6-cidr-blocks`]: "2600:1f18:abc:def::/64",
  [`${META}network/interfaces/macs/${MAC1}/mac`]: MAC1,
  [`${META}network/interfaces/macs/${MAC2}/device-number`]: "1",
  [`${META}network/interfaces/macs/${MAC2}/local-ipv4s`]: "10.0.1.7",
  [`${META}network/interfaces/macs/${MAC2}/subnet-ipv4-cidr-block`]: "10.0.1.0/24",
  [`${META}network/interfaces/macs/${MAC2}/mac`]: MAC2,
  "/latest/dynamic/instance-identity/document": JSON.stringify({
    instanceId: "i-0123456789abcdef0",
    region: "us-east-1",
    availabilityZone: "us-east-1a",
    accountId: "123456789012",
    privateIp: "10.0.0.12",
  }),
  "/latest/user-data": "#cloud-config\npackages: [htop]\n",
};
