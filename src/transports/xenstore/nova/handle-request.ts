import { InputError, TetherError } from "../../../errors.ts";
import type { Command } from "../../../model/command.ts";
import type { InstanceData } from "../../../model/instance-data.ts";
import { isRecord } from "../../../model/mapping.ts";
import { decodeBase64 } from "../../../userdata/base64.ts";
import { parseAgentUpdate } from "../../../model/agent-update-request.ts";
import { createKeyPair, sharedSecret } from "./dh.ts";
import { decryptPassword } from "./password-cipher.ts";

/** What the guest writes to data/guest/<id>. Return codes are strings: the host compares them as such. */
export interface NovaReply {
  returncode: string;
  message: string;
}

/**
 * State that outlives one request: the shared secret of the last keyinit, which the following
 * password request is encrypted with.
 */
export interface NovaSession {
  secret?: string;
}

export interface NovaDeps {
  version: string;
  /** Carries a command out; resolves with a line for the host, rejects with an error that names the problem. */
  execute(command: Command): Promise<string>;
  /** The host's current vm-data, for resetnetwork. */
  readVmData(): Promise<InstanceData>;
  random?: (bytes: number) => Uint8Array;
}

/**
 * The commands this agent answers. `file_inject` is the newer form of injectfile: the dom0 plugin
 * uses it when an agent lists it, with path and content apart instead of split at a comma.
 */
export const FEATURES = ["version", "features", "keyinit", "password", "resetnetwork", "injectfile", "file_inject", "agentupdate"] as const;

/** A reply must fit a XenStore message with its path; an error's text is cut well below that. */
const MESSAGE_MAX = 1024;

/**
 * The dom0 plugin reads replies with `xenstore-read`, which prints a backslash as `\\` and other
 * bytes outside printable ASCII as `\xNN`: a reply holding any of them (JSON escapes a quote with a
 * backslash) would no longer parse as JSON on the host. Messages keep to printable ASCII without
 * `"` and `\`.
 */
export function plainMessage(text: string): string {
  const plain = text.replace(/"/g, "'").replace(/\\/g, "/").replace(/[^\x20-\x7e]/g, "?");
  return plain.length > MESSAGE_MAX ? `${plain.slice(0, MESSAGE_MAX - 3)}...` : plain;
}

const ok = (message = ""): NovaReply => ({ returncode: "0", message: plainMessage(message) });
const error = (code: "404" | "500", message: string): NovaReply => ({ returncode: code, message: plainMessage(message) });

function stringValue(value: unknown, name: string): string {
  if (typeof value !== "string") throw new InputError(`${name} request`, [{ path: "value", message: `expected a string, got ${value === null ? "null" : typeof value}` }]);
  return value;
}

const COMMA = 0x2c;

/** Bytes that must be a path: UTF-8, or the request is refused rather than guessed at. */
function pathOf(bytes: Uint8Array, source: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new InputError(source, [{ path: "path", message: "the path is not UTF-8" }]);
  }
}

/** injectfile: base64 of "<path>,<contents>", split at the first comma (a path may not hold one; contents may). */
function injectFile(value: unknown): Command {
  const bytes = decodeBase64(stringValue(value, "injectfile"), "injectfile request", "value");
  const comma = bytes.indexOf(COMMA);
  if (comma < 0) throw new InputError("injectfile request", [{ path: "value", message: 'expected base64 of "<path>,<contents>": no comma' }]);
  return { name: "inject-file", path: pathOf(bytes.subarray(0, comma), "injectfile request"), content: bytes.slice(comma + 1) };
}

/** file_inject: {"b64_path": …, "b64_file": …}. */
function fileInject(value: unknown): Command {
  if (!isRecord(value)) throw new InputError("file_inject request", [{ path: "value", message: "expected an object with b64_path and b64_file" }]);
  const path = decodeBase64(stringValue(value.b64_path, "file_inject"), "file_inject request", "value.b64_path");
  const content = decodeBase64(stringValue(value.b64_file, "file_inject"), "file_inject request", "value.b64_file");
  return { name: "inject-file", path: pathOf(path, "file_inject request"), content };
}

/** Parses one data/host/<id> value. Anything but `{"name": string, "value"?: …}` is malformed. */
export function parseNovaRequest(raw: string): { name: string; value: unknown } {
  let doc: unknown;
  try {
    doc = JSON.parse(raw);
  } catch (e) {
    throw new InputError("request", [{ path: "", message: `invalid JSON: ${(e as Error).message}` }]);
  }
  if (!isRecord(doc)) throw new InputError("request", [{ path: "", message: "expected a JSON object" }]);
  if (typeof doc.name !== "string" || doc.name === "") throw new InputError("request", [{ path: "name", message: "expected the command's name as a string" }]);
  return { name: doc.name, value: doc.value };
}

/**
 * Answers one Nova agent request (PROTOCOLS.md §2): version, features and keyinit here; the rest
 * become Commands for the daemon. Never throws: a malformed request is "500", an unknown one "404"
 * (nova-agent's "0" for those would tell the host a command worked that does not exist), a failure
 * "500" with its reason. No reply ever holds the password or the shared secret.
 */
export async function handleNovaRequest(raw: string, session: NovaSession, deps: NovaDeps): Promise<NovaReply> {
  try {
    const { name, value } = parseNovaRequest(raw);
    switch (name) {
      case "version":
        return ok(deps.version);
      case "features":
        return ok(FEATURES.join(","));
      case "keyinit": {
        const pair = createKeyPair(deps.random);
        session.secret = sharedSecret(pair.privateKey, stringValue(value, "keyinit"));
        return { returncode: "D0", message: pair.publicKey };
      }
      case "password": {
        if (session.secret === undefined) return error("500", "password: no keyinit came first, so there is no key to decrypt it with");
        const password = await decryptPassword(stringValue(value, "password"), session.secret);
        return ok(await deps.execute({ name: "set-password", password }).then(() => ""));
      }
      case "resetnetwork":
        return ok(await deps.execute({ name: "reset-network", data: await deps.readVmData() }).then(() => ""));
      case "injectfile":
        return ok(await deps.execute(injectFile(value)).then(() => ""));
      case "file_inject":
        return ok(await deps.execute(fileInject(value)).then(() => ""));
      case "agentupdate": {
        const update = parseAgentUpdate(value);
        return ok(await deps.execute({ name: "agent-update", url: update.url, digest: update.digest }).then(() => ""));
      }
      default:
        return error("404", `unknown command ${JSON.stringify(name.slice(0, 64))}; this agent knows ${FEATURES.join(", ")}`);
    }
  } catch (e) {
    // Our own errors are worded for the operator; anything else is named by its kind too.
    return error("500", e instanceof TetherError ? e.message : `${(e as Error).name ?? "Error"}: ${(e as Error).message ?? String(e)}`);
  }
}
