import { expect, test } from "bun:test";
import { createFakeFs } from "../../src/host/fake-fs.ts";
import { rootedFsContract } from "./rooted-fs-contract.ts";

rootedFsContract("fake fs", async (tree) => ({ fs: createFakeFs(tree) }));

test("fake fs: snapshot shows every file's text", async () => {
  const fs = createFakeFs({ "/etc/hostname": "a\n" });
  await fs.writeFile("/etc/hosts", "127.0.0.1 a\n", { mode: 0o644 });
  expect(fs.snapshot()).toEqual({ "/etc/hostname": "a\n", "/etc/hosts": "127.0.0.1 a\n" });
});
