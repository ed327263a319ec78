/**
 * Nova agent requests (handleNovaRequest: what the daemon does with each data/host/<id> value):
 * version, features, keyinit and password with a real Diffie-Hellman exchange played by a host
 * here, resetnetwork, injectfile, file_inject, agentupdate, unknown names, and the request text
 * itself mutated. Every reply must be one the dom0 plugin can read (a known return code, printable
 * ASCII without quotes or backslashes, at most 1 KiB), never an untyped exception's words, and
 * never hold the password or the shared secret.
 */
import { describe, test } from "bun:test";
import { HostError, InputError } from "../../src/errors.ts";
import type { Command } from "../../src/model/command.ts";
import type { InstanceData } from "../../src/model/instance-data.ts";
import { DH_GENERATOR, DH_PRIME, modPow } from "../../src/transports/xenstore/nova/dh.ts";
import { handleNovaRequest, type NovaReply, type NovaSession } from "../../src/transports/xenstore/nova/handle-request.ts";
import { deriveKeyIv } from "../../src/transports/xenstore/nova/password-cipher.ts";
import { timeoutFor } from "./lib/config.ts";
import { expectClean, fuzz, type FuzzTarget } from "./lib/harness.ts";
import { LIMIT_NUMBERS, mutateBytes, utf8Bytes } from "./lib/mutate.ts";
import { Rng } from "./lib/prng.ts";
import { seedSet } from "./lib/seeds.ts";
import { docInput } from "./lib/structures.ts";

const b64 = (bytes: Uint8Array | string) => Buffer.from(bytes).toString("base64");
const NAMES = ["version", "features", "keyinit", "password", "resetnetwork", "injectfile", "file_inject", "agentupdate", "kmsactivate", "", "VERSION", "__proto__"];
const REQUESTS = [
  { name: "version", value: "agent" },
  { name: "features", value: "" },
  { name: "resetnetwork", value: "" },
  { name: "injectfile", value: b64("/etc/injected,line one\nline, two\n") },
  { name: "file_inject", value: { b64_path: b64("/etc/x.conf"), b64_file: b64("content") } },
  { name: "agentupdate", value: "https://updates.example.com/agent?sig=abc,d41d8cd98f00b204e9800998ecf8427e" },
  { name: "agentupdate", value: `http://10.0.0.1/a,${"ab".repeat(32)}` },
];
const seeds = seedSet(REQUESTS.map((r) => JSON.stringify(r)), [...NAMES, "name", "value", "b64_path", "b64_file", ","]);

const VM_DATA: InstanceData = { source: { transport: "xenstore", location: "fuzz" }, instanceId: "0b2c3f4e-1a2b-4c3d-9e8f-001122334455", publicKeys: [], files: [], metadata: {} };

interface Exchange {
  seed: number;
  steps: number;
}

/** The host's half of keyinit and password: SimpleDH and `openssl enc -aes-128-cbc -nosalt -a -A`. */
async function encrypt(password: string, secret: string, md: "md5" | "sha256"): Promise<string> {
  const { key, iv } = deriveKeyIv(secret, md);
  const cryptoKey = await crypto.subtle.importKey("raw", key, "AES-CBC", false, ["encrypt"]);
  return b64(new Uint8Array(await crypto.subtle.encrypt({ name: "AES-CBC", iv }, cryptoKey, utf8Bytes(`${password}\n`))));
}

function randomBigint(rng: Rng): bigint {
  const bytes = rng.bytes(16);
  return 2n + (BigInt(`0x${Buffer.from(bytes).toString("hex")}`) % (DH_PRIME - 4n));
}

function checkReply(reply: NovaReply, secrets: string[]): void {
  if (!["0", "D0", "404", "500"].includes(reply.returncode)) throw new Error(`return code ${JSON.stringify(reply.returncode)}`);
  if (typeof reply.message !== "string" || reply.message.length > 1024 || /[^\x20-\x7e]|["\\]/.test(reply.message)) throw new Error(`a message the dom0 plugin cannot read back: ${JSON.stringify(reply.message).slice(0, 200)}`);
  if (/^(?:TypeError|RangeError|SyntaxError|ReferenceError|Error): /.test(reply.message)) throw new Error(`an untyped exception reached the host: ${reply.message.slice(0, 300)}`);
  for (const secret of secrets) if (secret.length >= 4 && reply.message.includes(secret)) throw new Error(`a reply holds a secret: ${reply.message.slice(0, 200)}`);
}

/** One conversation: a few requests, keyinit and password among them, each reply checked as it comes. */
async function converse({ seed, steps }: Exchange): Promise<string[]> {
  const rng = new Rng(seed);
  const session: NovaSession = {};
  const executed: Command[] = [];
  const deps = {
    version: "fuzz",
    random: (n: number) => rng.bytes(n),
    async execute(command: Command) {
      executed.push(command);
      if (rng.chance(0.1)) throw new InputError("fuzz", [{ path: "", message: "refused by the action" }]);
      return "done";
    },
    async readVmData() {
      if (rng.chance(0.2)) throw rng.chance(0.5) ? new HostError("xenstored gave no answer") : new InputError("vm-data", [{ path: "hostname", message: "bad" }]);
      return VM_DATA;
    },
  };
  const secrets: string[] = [];
  const outcomes: string[] = [];
  let hostPrivate = randomBigint(rng);
  const send = async (raw: string) => {
    const reply = await handleNovaRequest(raw, session, deps);
    checkReply(reply, [...secrets, ...(session.secret ? [session.secret] : [])]);
    outcomes.push(`${reply.returncode} ${reply.message.slice(0, 60)}`);
    if (process.env.FUZZ_TRACE) console.log("reply", reply.returncode, reply.message.slice(0, 80));
    return reply;
  };
  for (let i = 0; i < steps; i++) {
    const kind = rng.weighted<string>([[3, "keyinit"], [3, "password"], [4, "seed"], [3, "mutated"], [1, "raw"]]);
    if (kind === "keyinit") {
      hostPrivate = randomBigint(rng);
      const value = rng.chance(0.8) ? modPow(DH_GENERATOR, hostPrivate, DH_PRIME).toString() : rng.pick(["0", "1", (DH_PRIME - 1n).toString(), DH_PRIME.toString(), "-5", "", " 5", "5".repeat(70), ...LIMIT_NUMBERS]);
      await send(JSON.stringify({ name: "keyinit", value: rng.chance(0.95) ? value : Number(value) }));
    } else if (kind === "password") {
      const password = rng.pick(["hunter2-fuzz", "pässwörd-fuzz", "x", "a".repeat(2000), "with\nnewline", "with\0nul", ""]);
      secrets.push(password);
      const shared = session.secret;
      let value: unknown = shared ? await encrypt(password, shared, rng.chance(0.7) ? "md5" : "sha256") : b64(rng.bytes(32));
      const pristine = rng.chance(0.6);
      if (!pristine) value = rng.pick([() => Buffer.from(mutateBytes(rng, utf8Bytes(value as string), { others: [], dictionary: ["=", "+", "/", "\n"], maxBytes: 8192 })).toString("latin1"), () => 42, () => null, () => b64(rng.bytes(rng.small(6000))), () => `${value} `])();
      const before = executed.length;
      const reply = await send(JSON.stringify({ name: "password", value }));
      // A password sent right is set, exactly: the fuzzer would see a cipher that loses it.
      const expectSet = pristine && shared && !/[\n\0]/.test(password) && password !== "" && Buffer.byteLength(`${password}\n`) + 16 <= 4096;
      const set = executed.slice(before).find((c) => c.name === "set-password");
      if (expectSet && !(set?.name === "set-password" && set.password.reveal() === password) && reply.message !== "refused by the action") {
        throw new Error(`a correctly encrypted password was not set as sent (reply ${reply.returncode} ${reply.message})`);
      }
    } else if (kind === "seed") {
      await send(new TextDecoder().decode(rng.pick(seeds.texts)));
    } else if (kind === "mutated") {
      await send(new TextDecoder().decode(docInput(rng, { format: "json", ...seeds, maxBytes: 64 << 10 })));
    } else {
      await send(Buffer.from(rng.bytes(rng.small(512))).toString("latin1"));
    }
  }
  return outcomes;
}

const target: FuzzTarget<Exchange> = {
  name: "nova agent requests",
  file: import.meta.path,
  count: 4000,
  generate: (rng) => ({ seed: rng.u32(), steps: 1 + rng.small(8) }),
  run: converse,
  show: (e) => `conversation seed ${e.seed}, ${e.steps} requests`,
};

describe("fuzz: nova agent", () => {
  test(target.name, async () => expectClean(await fuzz(target), target), timeoutFor(target.count, 30));
});
