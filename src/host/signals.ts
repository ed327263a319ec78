/**
 * An AbortSignal that SIGTERM or SIGINT aborts: how a service manager asks a daemon to stop. The
 * daemon finishes the request in hand and exits 0; a second signal ends it at once.
 */
export function stopSignal(): AbortSignal {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(128 + (name === "SIGINT" ? 2 : 15));
    controller.abort(new Error(`${name} received`));
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  return controller.signal;
}

/**
 * Once a command is done, its exit must not wait on a read blocked in the kernel: a xenbus or
 * virtio-serial device read sits in a worker thread that closing the file does not wake, and would
 * keep the process alive for ever. The timer is unref'd, so a process with nothing else pending
 * exits at once, as usual, with the exit code already set.
 */
export function exitEvenIfBlocked(afterMs: number): void {
  setTimeout(() => process.exit(), afterMs).unref();
}
