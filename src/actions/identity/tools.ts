import type { OsFacts } from "../types.ts";

type Facts = Pick<OsFacts, "root" | "distro">;

const offlineRoot = (facts: Facts) => (facts.root === "/" ? null : facts.root);

/** A shadow-utils program (useradd, usermod, groupadd, chpasswd, passwd): `-R ROOT` for an image. */
export function shadowArgv(facts: Facts, program: string, args: string[]): string[] {
  const root = offlineRoot(facts);
  return root ? [program, "-R", root, ...args] : [program, ...args];
}

/**
 * A busybox applet (adduser, addgroup, chpasswd, passwd), which has no --root: run inside the image
 * with chroot. That runs the image's own busybox, so it works only for an image of the same
 * architecture as the machine configuring it.
 */
export function busyboxArgv(facts: Facts, args: string[]): string[] {
  const root = offlineRoot(facts);
  return root ? ["chroot", root, ...args] : args;
}

export const isBusybox = (facts: Facts) => facts.distro.means.users.kind === "busybox";
