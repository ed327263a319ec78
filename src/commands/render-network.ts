import { notBuiltCommand } from "./not-built.ts";

export default notBuiltCommand(
  "render-network",
  "Render a network configuration as eni, netplan, networkd, sysconfig or NetworkManager files (flags as cloud-init devel net-convert)",
  6,
);
