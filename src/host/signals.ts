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
