/**
 * A cpio archive in the "newc" format, the one the kernel unpacks as an initramfs: no cpio(1)
 * needed, and device nodes and owners are written as data, whoever builds it.
 */
export type CpioEntry =
  | { kind: "dir"; path: string; mode?: number }
  | { kind: "file"; path: string; data: Uint8Array; mode?: number }
  | { kind: "symlink"; path: string; target: string }
  | { kind: "char"; path: string; major: number; minor: number; mode?: number };

const TYPE = { dir: 0o040000, file: 0o100000, symlink: 0o120000, char: 0o020000 } as const;
const encoder = new TextEncoder();
const hex = (n: number) => n.toString(16).padStart(8, "0");
const pad4 = (n: number) => (4 - (n % 4)) % 4;

function header(ino: number, mode: number, size: number, name: string, rdev: [number, number] = [0, 0]): Uint8Array {
  const fields = [ino, mode, 0, 0, 1, 0, size, 0, 0, rdev[0], rdev[1], encoder.encode(name).length + 1, 0];
  return encoder.encode(`070701${fields.map(hex).join("")}`);
}

/** The archive: every entry in order (parents before children), then the trailer. */
export function cpioArchive(entries: readonly CpioEntry[]): Uint8Array {
  const parts: Uint8Array[] = [];
  let length = 0;
  const push = (bytes: Uint8Array) => {
    parts.push(bytes);
    length += bytes.length;
  };
  const record = (ino: number, mode: number, name: string, data: Uint8Array, rdev?: [number, number]) => {
    const head = header(ino, mode, data.length, name, rdev);
    const nameBytes = encoder.encode(`${name}\0`);
    push(head);
    push(nameBytes);
    push(new Uint8Array(pad4(head.length + nameBytes.length)));
    push(data);
    push(new Uint8Array(pad4(data.length)));
  };
  entries.forEach((e, i) => {
    const name = e.path.replace(/^\/+/, "");
    switch (e.kind) {
      case "dir":
        return record(i + 1, TYPE.dir | (e.mode ?? 0o755), name, new Uint8Array());
      case "file":
        return record(i + 1, TYPE.file | (e.mode ?? 0o644), name, e.data);
      case "symlink":
        return record(i + 1, TYPE.symlink | 0o777, name, encoder.encode(e.target));
      case "char":
        return record(i + 1, TYPE.char | (e.mode ?? 0o600), name, new Uint8Array(), [e.major, e.minor]);
    }
  });
  record(0, 0, "TRAILER!!!", new Uint8Array());
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
