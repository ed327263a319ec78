import type { Host } from "../../host/types.ts";
import { XenstoreClient, XenstoreError } from "./client.ts";
import type { NovaReply } from "./nova/handle-request.ts";
import { WireError } from "./wire.ts";

/** Where the host writes requests and reads replies, relative to the guest's home (PROTOCOLS.md §2). */
export const REQUESTS = "data/host";
export const REPLIES = "data/guest";
const TOKEN = "tether-agent";

export interface ServeNovaOptions {
  endpoint: string;
  /** Answers one request; never throws (a failure is a reply with its code). */
  answer(raw: string, id: string): Promise<NovaReply>;
  /** Stops serving: the request in hand is finished and answered first. */
  signal: AbortSignal;
  /** Poll interval where xenstored refuses watches (the host polls every 0.5 s and waits 30 s). */
  pollMs?: number;
  /** Reconnect backoff: doubles from min to max while xenstored is away. */
  backoff?: { minMs: number; maxMs: number };
  /** Called once a connection has its watch (or its poll) in place: for tests and the first log line. */
  onReady?(mode: "watch" | "poll"): void;
}

/** Replies kept after they are written, so a request seen again after a reconnect is not run twice. */
const REMEMBERED = 64;

class Served {
  readonly #replies = new Map<string, NovaReply>();
  get(id: string): NovaReply | undefined {
    return this.#replies.get(id);
  }
  set(id: string, reply: NovaReply): void {
    this.#replies.set(id, reply);
    if (this.#replies.size > REMEMBERED) this.#replies.delete(this.#replies.keys().next().value as string);
  }
}

/** Answers every request under data/host, oldest name first; stops between requests once told to. */
async function drain(client: XenstoreClient, options: ServeNovaOptions, served: Served): Promise<void> {
  let ids: string[];
  try {
    ids = await client.directory(REQUESTS);
  } catch (error) {
    if (error instanceof XenstoreError && error.errno === "ENOENT") return;
    throw error;
  }
  for (const id of ids.sort()) {
    if (options.signal.aborted) return;
    const raw = await client.readIfExists(`${REQUESTS}/${id}`);
    if (raw === undefined) continue;
    const reply = served.get(id) ?? (await options.answer(raw, id));
    served.set(id, reply);
    // One transaction: the host never sees its request gone without the reply there.
    await client.transaction(async (txId) => {
      await client.write(`${REPLIES}/${id}`, JSON.stringify(reply), { txId });
      await client.rm(`${REQUESTS}/${id}`, { txId });
    });
  }
}

/** One connection's life: watch data/host (or poll it where watches are refused) and answer. */
async function session(host: Host, client: XenstoreClient, options: ServeNovaOptions, served: Served): Promise<void> {
  const log = host.log.withTag("xenstore");
  const { signal } = options;
  let mode: "watch" | "poll" = "watch";
  try {
    await client.watch(REQUESTS, TOKEN, { signal });
  } catch (error) {
    if (!(error instanceof XenstoreError)) throw error;
    mode = "poll";
    log.warn(`xenstored refused a watch on ${REQUESTS} (${error.errno}): polling every ${options.pollMs ?? 1000} ms instead`);
  }
  options.onReady?.(mode);
  for (;;) {
    await drain(client, options, served);
    if (signal.aborted) return;
    if (mode === "poll") {
      await host.sleep(options.pollMs ?? 1000, signal);
      continue;
    }
    const event = await client.nextEvent(signal);
    if (event === null) throw client.closed ?? new WireError("xenstored closed the connection");
  }
}

/**
 * The Nova agent's side of XenStore: requests in data/host/<id>, replies in data/guest/<id>. Runs
 * until `signal` aborts; survives xenstored going away (reconnects with backoff) and a broken frame
 * (the connection is dropped and made again).
 */
export async function serveNovaAgent(host: Host, options: ServeNovaOptions): Promise<void> {
  const log = host.log.withTag("xenstore");
  const { minMs, maxMs } = options.backoff ?? { minMs: 100, maxMs: 5000 };
  const served = new Served();
  let delay = minMs;
  let lost = false;
  while (!options.signal.aborted) {
    let client: XenstoreClient | undefined;
    try {
      client = new XenstoreClient(await host.openStream(options.endpoint));
      if (lost) log.info(`${options.endpoint}: connected again`);
      lost = false;
      delay = minMs;
      await session(host, client, options, served);
    } catch (error) {
      if (options.signal.aborted) break;
      // One line per outage, not one per retry: a xenstored that is down for a minute must not flood the log.
      if (!lost) log.warn(`${options.endpoint}: ${(error as Error).message}; reconnecting (backoff up to ${maxMs} ms)`);
      lost = true;
    } finally {
      client?.close();
    }
    await host.sleep(delay, options.signal).catch(() => undefined);
    delay = Math.min(delay * 2, maxMs);
  }
}
