import type { BootInputs } from "../../src/actions/inputs.ts";
import type { Action, OsFacts } from "../../src/actions/types.ts";
import { InputError } from "../../src/errors.ts";
import type { InstanceData } from "../../src/model/instance-data.ts";
import { distroFromOsRelease, parseOsRelease } from "../../src/os/linux/distro.ts";
import { parseGroup, parsePasswd } from "../../src/os/linux/passwd.ts";
import type { Change } from "../../src/plan/change.ts";
import { readUserData } from "../../src/userdata/index.ts";

export const OS_RELEASE = {
  debian: 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n',
  alpine: "ID=alpine\nVERSION_ID=3.20.0\n",
  fedora: "ID=fedora\nVERSION_ID=40\n",
  arch: "ID=arch\n",
  mystery: "ID=mystery\n",
} as const;

export const PASSWD = "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\ncarol:x:1000:1000:Carol:/home/carol:/bin/sh\n";
export const GROUP = "root:x:0:\nadm:x:4:\nsudo:x:27:\ncarol:x:1000:\nops:x:1001:carol\n";

export interface FactsOptions {
  os?: keyof typeof OS_RELEASE;
  root?: string;
  passwd?: string;
  group?: string;
  files?: Record<string, string | undefined>;
}

/** Small facts tables: a distro from an os-release text, accounts from passwd/group text, a counting random source. */
export function factsFor(options: FactsOptions = {}): OsFacts {
  let n = 0;
  const root = options.root ?? "/";
  return {
    root,
    offline: root !== "/",
    distro: distroFromOsRelease(parseOsRelease(OS_RELEASE[options.os ?? "debian"])),
    passwd: parsePasswd(options.passwd ?? PASSWD),
    group: parseGroup(options.group ?? GROUP),
    nics: [],
    files: options.files ?? {},
    now: Date.UTC(2026, 0, 1),
    random: (bytes) => Uint8Array.from({ length: bytes }, () => (n = (n * 37 + 11) & 0xff)),
  };
}

export function instanceData(extra: Partial<InstanceData> = {}): InstanceData {
  return { source: { transport: "nocloud", location: "seed" }, instanceId: "iid-1", publicKeys: [], files: [], metadata: {}, ...extra };
}

/** Inputs from a #cloud-config text (validated by the real schema), or from instance data alone. */
export async function inputsFrom(cloudConfig: string | null, extra: Partial<InstanceData> = {}): Promise<BootInputs> {
  const data = instanceData(extra);
  if (cloudConfig === null) return { data, warnings: [] };
  const bytes = new TextEncoder().encode(`#cloud-config\n${cloudConfig}`);
  return { data: { ...data, userData: bytes }, userData: await readUserData(bytes, { source: "seed user-data" }), warnings: [] };
}

/** Runs `reads` and fills facts.files from `files`, as the facts gatherer does. */
export function plan(action: Action, inputs: BootInputs, facts: OsFacts, files: Record<string, string> = {}): Change[] {
  const paths = action.reads?.(inputs, facts) ?? [];
  return action.plan(inputs, { ...facts, files: { ...facts.files, ...Object.fromEntries(paths.map((p) => [p, files[p] ?? facts.files[p]])) } });
}

/** The InputError a plan throws, as "source: path: message" lines. */
export function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof InputError) return error.problems.map((p) => `${error.source}: ${p.path}: ${p.message}`).join("\n");
    throw error;
  }
  throw new Error("expected an InputError, but planning succeeded");
}

export const text = (content: unknown) => (content instanceof Uint8Array ? new TextDecoder().decode(content) : String(content));
