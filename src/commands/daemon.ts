import { notBuiltCommand } from "./not-built.ts";

export default notBuiltCommand(
  "daemon",
  "Serve the host's commands (Nova XenStore agent protocol, QEMU guest agent protocol) as a service",
  8,
);
