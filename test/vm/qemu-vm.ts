/**
 * One QEMU guest of the VM lane: TCG (no KVM is assumed), the CPU floor met with `-cpu max`, the
 * serial console captured, a config drive as CD-ROM when given, SMBIOS saying OpenStack Nova, the
 * QEMU guest agent port on a host unix socket, and slirp with the metadata address 169.254.169.254
 * as its host alias (whatever listens on loopback in the lane's network namespace answers it).
 */
import { connectQga, type QgaClient } from "../helpers/qga-client.ts";
import type { GuestImage } from "./guest-image.ts";

export interface VmOptions {
  image: GuestImage;
  /** The root disk this VM boots; with snapshot, its writes are thrown away at exit. */
  disk: string;
  snapshot?: boolean;
  cdrom?: string;
  qgaSocket: string;
  mac?: string;
}

const running = new Set<Vm>();

/** Every QEMU this process started, killed: for afterAll, and for an exit however it comes. */
export function killAll(): void {
  for (const vm of running) vm.kill();
}
process.on("exit", killAll);
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => (killAll(), process.exit(130)));

const ANSI = /\x1b\[[0-9;?]*[A-Za-z]|\x1bc/g;

export class Vm {
  console = "";
  readonly started = Date.now();
  readonly #proc: ReturnType<typeof Bun.spawn>;
  #exited = false;

  constructor(readonly options: VmOptions) {
    const { image } = options;
    const argv = [
      "qemu-system-x86_64", "-accel", "tcg", "-cpu", "max", "-m", "1024", "-smp", "1", "-nographic", "-no-reboot",
      "-kernel", image.kernel, "-initrd", image.initrd, "-append", "console=ttyS0 quiet panic=-1",
      "-drive", `file=${options.disk},format=raw,if=virtio`, ...(options.snapshot ? ["-snapshot"] : []),
      "-smbios", "type=1,manufacturer=OpenStack Foundation,product=OpenStack Nova",
      ...(options.cdrom ? ["-cdrom", options.cdrom] : []),
      "-netdev", "user,id=n0,net=169.254.0.0/16,host=169.254.169.254",
      "-device", `virtio-net-pci,netdev=n0,mac=${options.mac ?? "52:54:00:12:34:56"}`,
      "-device", "virtio-serial", "-chardev", `socket,id=qga0,path=${options.qgaSocket},server=on,wait=off`,
      "-device", "virtserialport,chardev=qga0,name=org.qemu.guest_agent.0",
    ];
    this.#proc = Bun.spawn(argv, { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
    running.add(this);
    void this.#collect(this.#proc.stdout as ReadableStream<Uint8Array>);
    void this.#collect(this.#proc.stderr as ReadableStream<Uint8Array>);
    void this.#proc.exited.then(() => {
      this.#exited = true;
      running.delete(this);
    });
  }

  async #collect(stream: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    for await (const chunk of stream) this.console += decoder.decode(chunk, { stream: true }).replace(ANSI, "").replaceAll("\r", "");
  }

  /** The first console match of `pattern`, waiting up to `ms`; a QEMU that exits first is an error showing the console. */
  async waitFor(pattern: RegExp, ms = 120_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + ms;
    for (;;) {
      const m = pattern.exec(this.console);
      if (m) return m;
      if (this.#exited) throw new Error(`QEMU exited before the console showed ${pattern}:\n${this.console.slice(-4000)}`);
      if (Date.now() > deadline) throw new Error(`no ${pattern} on the console within ${ms} ms:\n${this.console.slice(-4000)}`);
      await Bun.sleep(100);
    }
  }

  qga(): Promise<QgaClient> {
    return connectQga(this.options.qgaSocket);
  }

  kill(): void {
    if (!this.#exited) this.#proc.kill("SIGKILL");
  }

  async stop(): Promise<void> {
    this.kill();
    await this.#proc.exited;
  }
}

/** guest-file-open/read/close: a file's bytes from inside the guest, over the agent's own channel. */
export async function readGuestFile(qga: QgaClient, path: string): Promise<string> {
  const opened = await qga.call("guest-file-open", { path, mode: "r" });
  if (opened.error) throw new Error(`guest-file-open ${path}: ${JSON.stringify(opened.error)}`);
  const handle = opened.return;
  let out = "";
  try {
    for (;;) {
      const read = (await qga.call("guest-file-read", { handle, count: 65536 })) as { return: { "buf-b64": string; eof: boolean } };
      out += Buffer.from(read.return["buf-b64"], "base64").toString("utf8");
      if (read.return.eof) break;
    }
  } finally {
    await qga.call("guest-file-close", { handle });
  }
  return out;
}

/** guest-exec, then guest-exec-status until it exits: the code and the output. */
export async function execInGuest(qga: QgaClient, argv: string[], ms = 60_000): Promise<{ code: number; stdout: string; stderr: string }> {
  const started = (await qga.call("guest-exec", { path: argv[0], arg: argv.slice(1), "capture-output": true })) as { return: { pid: number } };
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const s = (await qga.call("guest-exec-status", { pid: started.return.pid })) as { return: { exited: boolean; exitcode?: number; "out-data"?: string; "err-data"?: string } };
    if (s.return.exited) {
      const text = (b64?: string) => Buffer.from(b64 ?? "", "base64").toString("utf8");
      return { code: s.return.exitcode ?? -1, stdout: text(s.return["out-data"]), stderr: text(s.return["err-data"]) };
    }
    await Bun.sleep(100);
  }
  throw new Error(`${argv.join(" ")}: still running after ${ms} ms`);
}
