import * as v from "valibot";
import { keyLineProblem, keysPathOf, keysTargetOf } from "../../../actions/authorized-keys-edit.ts";
import { parsePasswd } from "../../../os/linux/passwd.ts";
import { QgaError, type QgaCommand, type QgaContext } from "../qga-types.ts";

/**
 * guest-ssh-get/add/remove-authorized-keys (qga/commands-posix-ssh.c): a user's
 * ~/.ssh/authorized_keys, the home taken from the target's /etc/passwd. Adding and removing go
 * through the authorized-keys planner (src/actions/authorized-keys-edit.ts); reading is direct.
 */

/** Larger than this is not an authorized_keys file a host should get back in one reply. */
const GET_MAX_BYTES = 1 << 20;

async function homeOf(ctx: QgaContext, username: string): Promise<string> {
  let passwd = "";
  try {
    passwd = await ctx.host.fs.readText("/etc/passwd");
  } catch (error) {
    throw new QgaError("GenericError", `failed to lookup user '${username}': /etc/passwd: ${(error as Error).message}`);
  }
  const target = keysTargetOf({ passwd: parsePasswd(passwd), group: [] }, username);
  if (!target) throw new QgaError("GenericError", `failed to lookup user '${username}': no such user`);
  return target.home;
}

/** qemu-ga's check_openssh_pub_keys: every key is checked before anything is done. */
function checkKeys(keys: readonly string[]): void {
  for (const key of keys) {
    const problem = keyLineProblem(key);
    if (problem) throw new QgaError("GenericError", `invalid OpenSSH public key: '${key.length > 200 ? `${key.slice(0, 200)}…` : key}' (${problem})`);
  }
}

const GetArgs = v.strictObject({ username: v.string() });

export const guestSshGetAuthorizedKeys: QgaCommand = {
  name: "guest-ssh-get-authorized-keys",
  kind: "read",
  args: GetArgs,
  async run(ctx, args: v.InferOutput<typeof GetArgs>) {
    const path = keysPathOf(await homeOf(ctx, args.username));
    // Followed like qemu-ga's g_file_get_contents; but only a regular file is read (a FIFO would hang).
    const stat = await ctx.host.fs.stat(path).catch(() => null);
    if (!stat) throw new QgaError("GenericError", `failed to read '${path}': No such file or directory`);
    if (stat.type !== "file") throw new QgaError("GenericError", `failed to read '${path}': a ${stat.type}, not a file`);
    if (stat.size > GET_MAX_BYTES) throw new QgaError("GenericError", `failed to read '${path}': ${stat.size} bytes, over ${GET_MAX_BYTES}`);
    let text: string;
    try {
      text = new TextDecoder().decode(await ctx.host.fs.readFile(path));
    } catch (error) {
      throw new QgaError("GenericError", `failed to read '${path}': ${(error as Error).message}`);
    }
    const keys = text
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line !== "" && !line.startsWith("#"));
    // qemu-ga prepends each line to its list, so the last line of the file comes first: hosts see that order.
    return { keys: keys.reverse() };
  },
};

const AddArgs = v.strictObject({ username: v.string(), keys: v.array(v.string()), reset: v.optional(v.boolean()) });

export const guestSshAddAuthorizedKeys: QgaCommand = {
  name: "guest-ssh-add-authorized-keys",
  kind: "write",
  args: AddArgs,
  async run(ctx, args: v.InferOutput<typeof AddArgs>) {
    checkKeys(args.keys);
    await homeOf(ctx, args.username);
    await ctx.execute({ name: "authorized-keys", user: args.username, add: args.keys, reset: args.reset === true });
    ctx.log.info(`guest-ssh-add-authorized-keys: ${args.keys.length} key(s) for ${args.username}${args.reset ? " (reset)" : ""}`);
    return {};
  },
};

const RemoveArgs = v.strictObject({ username: v.string(), keys: v.array(v.string()) });

export const guestSshRemoveAuthorizedKeys: QgaCommand = {
  name: "guest-ssh-remove-authorized-keys",
  kind: "write",
  args: RemoveArgs,
  async run(ctx, args: v.InferOutput<typeof RemoveArgs>) {
    checkKeys(args.keys);
    await homeOf(ctx, args.username);
    await ctx.execute({ name: "authorized-keys", user: args.username, remove: args.keys });
    ctx.log.info(`guest-ssh-remove-authorized-keys: ${args.keys.length} key(s) of ${args.username}`);
    return {};
  },
};

export const SSH_KEYS_COMMANDS: readonly QgaCommand[] = [guestSshGetAuthorizedKeys, guestSshAddAuthorizedKeys, guestSshRemoveAuthorizedKeys];
