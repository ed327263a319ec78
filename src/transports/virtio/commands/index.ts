import type { QgaCommand } from "../qga-types.ts";
import { EXEC_COMMANDS } from "./exec.ts";
import { FILE_COMMANDS } from "./file.ts";
import { guestFsfreezeStatus } from "./fsfreeze-status.ts";
import { FSFREEZE_COMMANDS } from "./fsfreeze.ts";
import { guestFstrim } from "./fstrim.ts";
import { guestGetTime } from "./get-time.ts";
import { guestGetHostName } from "./host-name.ts";
import { INFO_COMMANDS } from "./info.ts";
import { guestNetworkGetInterfaces } from "./network-interfaces.ts";
import { guestGetOsinfo } from "./osinfo.ts";
import { guestSetTime } from "./set-time.ts";
import { guestSetUserPassword } from "./set-user-password.ts";
import { guestShutdown } from "./shutdown.ts";
import { SSH_KEYS_COMMANDS } from "./ssh-keys.ts";
import { tetherApply, tetherResetNetwork, tetherStatus } from "./tether.ts";
import { guestGetTimezone } from "./timezone.ts";
import { guestGetUsers } from "./users.ts";

/**
 * Every QGA command this agent answers, in guest-info's order. A static list: `bun build
 * --compile` must see every module, and guest-info must tell the host the truth.
 */
export const QGA_COMMANDS: readonly QgaCommand[] = [
  ...INFO_COMMANDS,
  guestGetTime,
  guestSetTime,
  guestGetOsinfo,
  guestGetHostName,
  guestGetTimezone,
  guestGetUsers,
  guestNetworkGetInterfaces,
  guestSetUserPassword,
  ...SSH_KEYS_COMMANDS,
  ...FILE_COMMANDS,
  ...EXEC_COMMANDS,
  guestShutdown,
  guestFsfreezeStatus,
  ...FSFREEZE_COMMANDS,
  guestFstrim,
  tetherResetNetwork,
  tetherApply,
  tetherStatus,
];
