import type { ByteStream, Host } from "../../host/types.ts";
import type { QgaOutcome } from "./qga-dispatch.ts";
import { serveQgaSession } from "./qga-session.ts";

/** The largest request a host may send: qemu-ga's own limit on one JSON value is in the megabytes (guest-file-write). */
export const MAX_REQUEST_BYTES = 64 << 20;

/** With no host on the other end a virtio port reads EOF at once: try again after this long. */
const EOF_RETRY_MS = 100;

/** On stop, how long the sessions have to finish the requests in hand. */
const STOP_GRACE_MS = 5000;

export interface ServeQgaOptions {
  dispatch(execute: string, args: unknown): Promise<QgaOutcome>;
  signal: AbortSignal;
  maxRequestBytes?: number;
}

/**
 * A virtio-serial port (/dev/vportNpM, or \\.\Global\… on Windows): one session per host
 * connection, each with a clean parser. EOF means nobody is attached (or the host went away):
 * the port is opened again after a short wait, so a host that connects later is answered.
 */
export async function serveQgaDevice(host: Host, device: string, options: ServeQgaOptions): Promise<void> {
  const log = host.log.withTag("qga");
  log.info(`serving the QEMU guest agent protocol on ${device}`);
  let failing = false;
  while (!options.signal.aborted) {
    let stream: ByteStream | undefined;
    try {
      stream = await host.openStream(device);
      if (failing) log.info(`${device}: open again`);
      failing = false;
      await serveQgaSession(stream, options.dispatch, { maxRequestBytes: options.maxRequestBytes ?? MAX_REQUEST_BYTES, signal: options.signal, log });
    } catch (error) {
      if (options.signal.aborted) break;
      // Once per outage: a port that keeps failing must not flood the journal every 100 ms.
      if (!failing) log.warn(`${device}: ${(error as Error).message}; trying again every ${EOF_RETRY_MS} ms`);
      failing = true;
    } finally {
      stream?.close();
    }
    await host.sleep(EOF_RETRY_MS, options.signal).catch(() => undefined);
  }
}

/**
 * A unix socket at `path` (inside --root), like `qemu-ga -m unix-listen -p PATH`: for hosts that
 * talk over a socket, and for tests. Connections are served side by side, each its own session.
 */
export async function serveQgaSocket(host: Host, path: string, options: ServeQgaOptions): Promise<void> {
  const log = host.log.withTag("qga");
  const sessions = new Map<ByteStream, Promise<void>>();
  const listener = await host.listen(path, (stream) => {
    const session = serveQgaSession(stream, options.dispatch, { maxRequestBytes: options.maxRequestBytes ?? MAX_REQUEST_BYTES, signal: options.signal, log })
      .catch((error) => log.warn(`${path}: a connection failed: ${(error as Error).message}`))
      .finally(() => {
        sessions.delete(stream);
        stream.close();
      });
    sessions.set(stream, session);
  });
  // Said once the socket exists: a host (or a test) may connect as soon as it reads this.
  log.info(`serving the QEMU guest agent protocol on unix:${path}`);
  try {
    await new Promise<void>((resolve) => {
      if (options.signal.aborted) return resolve();
      options.signal.addEventListener("abort", () => resolve(), { once: true });
    });
  } finally {
    listener.close();
    // Each session ends after the request in hand; one that does not within the grace is cut.
    await Promise.race([Promise.allSettled(sessions.values()), host.sleep(STOP_GRACE_MS)]);
    for (const stream of sessions.keys()) stream.close();
  }
}
