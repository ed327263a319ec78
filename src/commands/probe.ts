import { notBuiltCommand } from "./not-built.ts";

export default notBuiltCommand(
  "probe",
  "Find how this VM talks to its cloud (XenStore, virtio-serial, config drive, NoCloud, metadata service), with evidence and timings; changes nothing",
  3,
);
