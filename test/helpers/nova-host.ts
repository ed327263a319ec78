import { runArgv } from "./run-agent.ts";

/**
 * The host's side of the Nova agent protocol, written from PROTOCOLS.md §2 the way the dom0 plugin
 * (os-xenapi agent.py + xenstore.py) does it: every step is a real xenstore-* CLI run against dom0's
 * socket with an absolute path, the request written to data/host/<id>, the reply polled every
 * 0.5 s in data/guest/<id>, the request removed on a timeout.
 */
export interface NovaHost {
  call(name: string, value: unknown, options?: { timeoutMs?: number }): Promise<{ returncode: string; message: string }>;
  /** Writes a raw request (for malformed ones) and waits for the reply. */
  callRaw(raw: string, options?: { timeoutMs?: number }): Promise<{ returncode: string; message: string }>;
  write(path: string, value: string): Promise<void>;
  read(path: string): Promise<string | undefined>;
  /** Nova's SimpleDH and `openssl aes-128-cbc -A -a -pass pass:S -nosalt` (the dom0's default digest unless `md` is given). */
  setPassword(password: string, options?: { md?: "md5" | "sha256" }): Promise<{ returncode: string; message: string }>;
}

export const DH_P = 162259276829213363391578010288127n;

function modPow(base: bigint, exp: bigint, m: bigint): bigint {
  let result = 1n;
  let b = base % m;
  for (let e = exp; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % m;
    b = (b * b) % m;
  }
  return result;
}

export function novaHost(hostSocket: string, domid: number): NovaHost {
  const env = { XENSTORED_PATH: hostSocket };
  const home = `/local/domain/${domid}`;
  const xs = (argv: string[]) => runArgv(argv, { env });

  async function read(path: string): Promise<string | undefined> {
    const r = await xs(["xenstore-read", `${home}/${path}`]);
    return r.code === 0 ? r.stdout.replace(/\n$/, "") : undefined;
  }

  async function write(path: string, value: string): Promise<void> {
    const r = await xs(["xenstore-write", `${home}/${path}`, value]);
    if (r.code !== 0) throw new Error(`xenstore-write ${path}: ${r.stderr}`);
  }

  async function callRaw(raw: string, options: { timeoutMs?: number } = {}) {
    const id = crypto.randomUUID();
    await write(`data/host/${id}`, raw);
    const deadline = Date.now() + (options.timeoutMs ?? 30_000);
    while (Date.now() < deadline) {
      const reply = await read(`data/guest/${id}`);
      if (reply !== undefined) {
        await xs(["xenstore-rm", `${home}/data/guest/${id}`]);
        try {
          return JSON.parse(reply) as { returncode: string; message: string };
        } catch {
          throw new Error(`data/guest/${id} is not JSON: ${reply}`);
        }
      }
      await Bun.sleep(50);
    }
    await xs(["xenstore-rm", `${home}/data/host/${id}`]);
    throw new Error(`TIMEOUT: no reply to ${raw.slice(0, 80)} within ${options.timeoutMs ?? 30_000} ms`);
  }

  const call = (name: string, value: unknown, options?: { timeoutMs?: number }) => callRaw(JSON.stringify({ name, value }), options);

  async function setPassword(password: string, options: { md?: "md5" | "sha256" } = {}) {
    const priv = BigInt(`0x${Buffer.from(crypto.getRandomValues(new Uint8Array(10))).toString("hex")}`);
    const init = await call("keyinit", modPow(5n, priv, DH_P).toString());
    if (init.returncode !== "D0") return init;
    const secret = modPow(BigInt(init.message), priv, DH_P).toString();
    const argv = ["openssl", "aes-128-cbc", "-A", "-a", "-pass", `pass:${secret}`, "-nosalt", ...(options.md ? ["-md", options.md] : [])];
    const child = Bun.spawn(argv, { stdin: new TextEncoder().encode(`${password}\n`), stdout: "pipe", stderr: "ignore" });
    const enc = (await new Response(child.stdout).text()).trim();
    if ((await child.exited) !== 0 || !enc) throw new Error("openssl aes-128-cbc failed");
    return call("password", enc);
  }

  return { call, callRaw, write, read, setPassword };
}
