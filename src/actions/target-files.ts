import { InputError } from "../errors.ts";
import { Secret } from "../model/secret.ts";
import type { Change, Owner } from "../plan/change.ts";
import { pathProblem, splitPath } from "../plan/step.ts";
import type { BaseFacts } from "./types.ts";

type Content = Extract<Change, { kind: "write" }>["content"];

/**
 * A path from data (write_files, injected files) as a plan path: "//" and "." squeezed out as the
 * kernel would read them; ".." refused rather than resolved, because a path that climbs is either
 * a mistake or an attempt, and the rooted fs would only hide it.
 */
export function targetPath(raw: string, source: string, field: string): string {
  const refuse = (message: string): never => {
    throw new InputError(source, [{ path: field, message }]);
  };
  if (raw.includes("\0")) refuse("must not contain a NUL byte");
  if (!raw.startsWith("/")) refuse(`expected an absolute path, got ${JSON.stringify(raw)}`);
  const parts = raw.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.includes("..")) refuse(`must not contain "..", got ${JSON.stringify(raw)}`);
  if (raw.endsWith("/") || parts.length === 0) refuse(`expected a file's path, got the directory ${JSON.stringify(raw)}`);
  const path = `/${parts.join("/")}`;
  const problem = pathProblem(path);
  if (problem) refuse(problem);
  return path;
}

/** Kernel interfaces, not files: a write there changes the running kernel or a device. */
export const KERNEL_INTERFACES = ["/proc", "/sys", "/dev", "/run/udev"] as const;

/**
 * targetPath for Linux: also refused under a kernel interface. Apply's temp-and-rename cannot work
 * in procfs or sysfs, so such a write would fail half-way through the boot; better refused before
 * the first change, naming the field. (Windows paths go through their own means.)
 */
export function linuxTargetPath(raw: string, source: string, field: string): string {
  const path = targetPath(raw, source, field);
  const under = KERNEL_INTERFACES.find((p) => path === p || path.startsWith(`${p}/`));
  if (under) throw new InputError(source, [{ path: field, message: `${path} is under ${under}, a kernel interface, not a file system: refused` }]);
  return path;
}

/**
 * facts.files holds file contents; a read path ending in "/" asks whether a directory is there
 * ("" when it is). "/" itself is always a directory, so its answer says whether the facts gatherer
 * speaks this convention at all: when it does not, presence is "unknown" and no mkdir is planned on
 * a guess (a mkdir sets the mode of a directory that exists: /tmp must never become 0755).
 */
export const dirProbe = (dir: string) => (dir === "/" ? "/" : `${dir}/`);

export function dirState(facts: BaseFacts, dir: string): "present" | "absent" | "unknown" {
  if (facts.files["/"] === undefined) return "unknown";
  return facts.files[dirProbe(dir)] !== undefined ? "present" : "absent";
}

/** The probes to name in `reads` for the parent directories of `paths`. */
export function parentProbes(paths: readonly string[]): string[] {
  return ["/", ...new Set(paths.map((p) => dirProbe(splitPath(p).dir)))];
}

export const parentOf = (path: string) => splitPath(path).dir;

/** mkdir changes for the directories an action's files need, each planned once. */
export class DirPlan {
  readonly #planned = new Set<string>(["/"]);
  constructor(private readonly facts: BaseFacts) {}

  /**
   * `standard`: the directory's usual mode is `mode` (a system directory such as
   * /etc/systemd/timesyncd.conf.d), so a mkdir is harmless even where presence is unknown.
   */
  ensure(dir: string, mode: number, reason: string, options: { owner?: Owner; standard?: boolean } = {}): Change[] {
    if (this.#planned.has(dir)) return [];
    const state = dirState(this.facts, dir);
    if (state === "present" || (state === "unknown" && !options.standard)) return [];
    this.#planned.add(dir);
    return [{ kind: "mkdir", path: dir, mode, ...(options.owner ? { owner: options.owner } : {}), reason }];
  }
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function asUtf8(bytes: Uint8Array): string | null {
  try {
    return utf8.decode(bytes);
  } catch {
    return null;
  }
}

/** Nobody but the owner may read it: it may hold a key or a password. */
export const isPrivateMode = (mode: number) => (mode & 0o077) === 0;

/**
 * A private key whatever the file's mode says (PEM and OpenSSH keys, PGP secret key blocks, PuTTY
 * key files): write_files' default mode is 0644, and a key given without permissions must not show
 * in a diff, a --json plan or a log either.
 */
export const looksLikePrivateKey = (text: string) => /-----BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----|^PuTTY-User-Key-File-\d+:/m.test(text);

/**
 * Content as a plan carries it: text where the bytes are UTF-8 (so a plan reads well), the bytes
 * otherwise; a private file's text, or a private key's, sealed as a Secret so that no diff or JSON
 * plan shows it. The bytes written are exactly the bytes given either way.
 */
export function contentOf(bytes: Uint8Array, mode: number): Content {
  const text = asUtf8(bytes);
  if (text === null) return bytes;
  return isPrivateMode(mode) || looksLikePrivateKey(text) ? new Secret(text) : text;
}

/**
 * WHATWG's "latin1" label is windows-1252: TextDecoder("latin1") turns bytes 0x80-0x9F into
 * characters such as U+20AC. Each still stands for one byte, so both that and true latin1 map back.
 */
const CP1252 = new Map([...new TextDecoder("latin1").decode(new Uint8Array(32).map((_, i) => 0x80 + i))].map((c, i) => [c.charCodeAt(0), 0x80 + i]));

/** facts.files holds each byte as one character (latin1, or windows-1252): these are the file's bytes again. */
export function bytesOfRead(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    out[i] = code <= 0xff ? code : (CP1252.get(code) ?? 0x3f);
  }
  return out;
}

export function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** Text edited from a read, as content: a string when plain ASCII (readable plans), else its exact bytes. */
export function editedContent(latin1Text: string): string | Uint8Array {
  return /^[\x00-\x7f]*$/.test(latin1Text) ? latin1Text : bytesOfRead(latin1Text);
}

/** Whether any of these files (a program, a unit) is on the target, by the reads that named them. */
export const anyPresent = (facts: BaseFacts, paths: readonly string[]) => paths.some((p) => facts.files[p] !== undefined);
