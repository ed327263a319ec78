import type { TCPSocketListener, UnixSocketListener } from "bun";
import type { Frame } from "../../src/transports/xenstore/wire.ts";
import { existsSync, lstatSync, rmSync } from "node:fs";
import { Connection, type ConnectionData } from "./connection.ts";
import { domainPath } from "./paths.ts";
import type { Session } from "./requests.ts";
import { XenStoreTree } from "./store.ts";
import { seedDomains } from "./toolstack.ts";
import type { Transaction } from "./transactions.ts";
import { WatchRegistry, type WatchOwner } from "./watches.ts";

export { XenStoreTree } from "./store.ts";

export interface DevXenstoredOptions {
  /** Unix socket for dom0 clients (what XENSTORED_PATH names on a host). */
  socket: string;
  /** Unix socket standing in for the guest's xenbus device. */
  guestSocket: string;
  /** The guest's domain id. */
  domid: number;
  quirkReqId?: boolean;
  noWatch?: boolean;
  /** A store to serve (kept as it is, plus the toolstack's nodes where missing). */
  store?: XenStoreTree;
  /** Sees every well-formed request as it arrives, with the domain it came from: for tests and tracing. */
  onRequest?(domid: number, frame: Frame): void;
}

export interface DevXenstored {
  store: XenStoreTree;
  socket: string;
  guestSocket: string;
  domid: number;
  /** How many clients are connected now. */
  connections(): number;
  stop(): Promise<void>;
  /** close every connection and listening socket, then listen again on the same paths with the same store: a xenstored restart */
  restart(): Promise<void>;
}

// Guest ids stop below DOMID_FIRST_RESERVED (0x7ff0); 0 is dom0 itself.
const MAX_GUEST_DOMID = 0x7fef;

type Listener = UnixSocketListener<ConnectionData> | TCPSocketListener<ConnectionData>;

/** A socket file left by a daemon that died is in the way of listening; anything else is not ours to delete. */
function clearStaleSocket(path: string): void {
  if (!existsSync(path)) return;
  if (!lstatSync(path).isSocket()) throw new Error(`${path} exists and is not a socket`);
  rmSync(path, { force: true });
}

export async function startDevXenstored(options: DevXenstoredOptions): Promise<DevXenstored> {
  const { domid } = options;
  if (!Number.isInteger(domid) || domid < 1 || domid > MAX_GUEST_DOMID) throw new RangeError(`domid must be 1..${MAX_GUEST_DOMID}, not ${domid}`);
  if (options.socket === options.guestSocket) throw new Error("socket and guestSocket must differ");
  const store = options.store ?? new XenStoreTree();
  seedDomains(store, domid);

  const watches = new WatchRegistry();
  const unsubscribe = store.subscribe((change) => watches.fire(change));
  const live = new Set<Connection>();
  let listeners: Listener[] = [];
  let lastTransaction = 0;

  const sessionFor = (clientDomid: number) => (owner: WatchOwner): Session => ({
    domid: clientDomid,
    home: domainPath(clientDomid),
    store,
    watches,
    owner,
    transactions: new Map<number, Transaction>(),
    // One counter for the daemon: ids never repeat across connections, so another's id is ENOENT.
    newTransactionId: () => (lastTransaction = (lastTransaction % 0xffffffff) + 1),
    noWatch: options.noWatch ?? false,
  });

  const forget = (connection: Connection) => {
    live.delete(connection);
    watches.removeAll(connection);
    connection.session.transactions.clear();
  };

  const listen = (path: string, clientDomid: number): Listener => {
    clearStaleSocket(path);
    return Bun.listen<ConnectionData>({
      unix: path,
      socket: {
        open(socket) {
          const connection = new Connection(
            socket,
            { quirkReqId: options.quirkReqId ?? false, onClose: forget, onRequest: (frame) => options.onRequest?.(clientDomid, frame) },
            sessionFor(clientDomid),
          );
          socket.data = { connection };
          live.add(connection);
        },
        data(socket, chunk) {
          socket.data.connection?.receive(new Uint8Array(chunk));
        },
        drain(socket) {
          socket.data.connection?.drain();
        },
        close(socket) {
          socket.data.connection?.closedByPeer();
        },
        error(socket) {
          socket.data.connection?.closedByPeer();
        },
      },
    });
  };

  const listenAll = () => {
    listeners = [listen(options.socket, 0), listen(options.guestSocket, domid)];
  };

  const closeAll = async () => {
    for (const connection of [...live]) connection.close();
    for (const listener of listeners) listener.stop(true);
    listeners = [];
    // Bun unlinks its socket files on stop; make sure, so the next listen (or the user) finds none.
    rmSync(options.socket, { force: true });
    rmSync(options.guestSocket, { force: true });
    // Let the closes reach the peers before anyone connects again.
    await Bun.sleep(0);
  };

  listenAll();
  let stopped = false;
  return {
    store,
    socket: options.socket,
    guestSocket: options.guestSocket,
    domid,
    connections: () => live.size,
    async stop() {
      if (stopped) return;
      stopped = true;
      unsubscribe();
      await closeAll();
    },
    async restart() {
      if (stopped) throw new Error("dev-xenstored was stopped");
      await closeAll();
      listenAll();
    },
  };
}
