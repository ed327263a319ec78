import { getBounded } from "../file-source.ts";
import type { FileTree } from "../file-tree.ts";
import type { OpenstackSource } from "./openstack-source.ts";

/** A config drive's openstack/ tree, from a volume read by our image readers or a directory. */
export function configDriveSource(tree: FileTree, name: string): OpenstackSource {
  const label = (path: string) => `${name}:openstack/${path}`;
  return {
    name,
    label,
    async versions() {
      if ((await tree.stat("/openstack"))?.type !== "dir") return [];
      return tree.list("/openstack");
    },
    get: (path, maxBytes) => getBounded(tree, `/openstack/${path}`, maxBytes, label(path)),
  };
}
