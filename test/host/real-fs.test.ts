import { afterAll, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createRealFs } from "../../src/host/real-fs.ts";
import { rootedFsContract, type ContractTree } from "./rooted-fs-contract.ts";

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

function makeRoot(tree: ContractTree): string {
  const root = mkdtempSync(join(tmpdir(), "tether-fs-"));
  made.push(root);
  for (const [path, entry] of Object.entries(tree)) {
    const at = join(root, path);
    mkdirSync(dirname(at), { recursive: true });
    if (typeof entry === "string") writeFileSync(at, entry);
    else symlinkSync(entry.symlink, at);
  }
  return root;
}

rootedFsContract("real fs", async (tree) => ({ fs: createRealFs(makeRoot(tree)) }));

test("real fs: a write through a link to / lands inside the root, not on the machine", async () => {
  const marker = `tether-escape-${process.pid}-${Date.now()}`;
  const root = makeRoot({ "/etc": { symlink: "/tmp" } });
  mkdirSync(join(root, "tmp"));
  const fs = createRealFs(root);
  await fs.writeFile(`/etc/${marker}`, "inside", { mode: 0o600 });
  expect(readFileSync(join(root, "tmp", marker), "utf8")).toBe("inside");
  expect(existsSync(join("/tmp", marker))).toBe(false);
});

test("real fs: the mode asked is the mode set, whatever the umask", async () => {
  const fs = createRealFs(makeRoot({}));
  const previous = process.umask(0o077);
  try {
    await fs.writeFile("/motd", "hello", { mode: 0o644 });
    await fs.writeFile("/secret", "pw", { mode: 0o600 });
  } finally {
    process.umask(previous);
  }
  expect((await fs.stat("/motd"))?.mode).toBe(0o644);
  expect((await fs.stat("/secret"))?.mode).toBe(0o600);
});
