import { notBuiltCommand } from "./not-built.ts";

export default notBuiltCommand("validate", "Check user-data, network-config or meta-data and name every problem by its field", 5);
