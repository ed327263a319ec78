import type { FileTree } from "../../src/transports/file-tree.ts";
import type { BlockSource } from "../../src/transports/images/block-source.ts";

/**
 * Opens an image and reads every file and lists every directory; returns what failed, for tests
 * that cut or corrupt images. A corrupt directory can hold thousands of garbage entries: the walk
 * has a budget, the reader has none.
 */
export async function walkImage(open: (src: BlockSource) => Promise<FileTree>, src: BlockSource): Promise<unknown[]> {
  const errors: unknown[] = [];
  const tree = await open(src).catch((e: unknown) => (errors.push(e), null));
  if (!tree) return errors;
  let budget = 400;
  const visit = async (path: string, depth: number): Promise<void> => {
    if (--budget < 0) return;
    const names = await tree.list(path).catch((e: unknown) => (errors.push(e), [] as string[]));
    for (const entry of names.slice(0, 50)) {
      if (--budget < 0) return;
      const child = `${path === "/" ? "" : path}/${entry}`;
      const stat = await tree.stat(child).catch((e: unknown) => (errors.push(e), null));
      if (stat?.type === "dir" && depth < 8) await visit(child, depth + 1);
      else if (stat?.type === "file") await tree.readFile(child).catch((e: unknown) => errors.push(e));
    }
  };
  await visit("/", 0);
  return errors;
}
