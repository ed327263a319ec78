import { notBuiltCommand } from "./not-built.ts";

export default notBuiltCommand("install", "Install the agent and its boot and daemon services (systemd, OpenRC, sysvinit)", 7);
