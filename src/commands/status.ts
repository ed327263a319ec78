import { notBuiltCommand } from "./not-built.ts";

export default notBuiltCommand("status", "Show the last boot's source, instance id, and each action's result and timing", 7);
