import { MAX_PAYLOAD, splitNul, XS_TYPE, type Frame } from "../../src/transports/xenstore/wire.ts";
import { XsError } from "./errors.ts";
import { checkPerms } from "./perms.ts";
import { domainPath, isRelative, isWithin, parentOf, resolvePath, SPECIAL_WATCHES } from "./paths.ts";
import { liveScope, type StoreScope } from "./scope.ts";
import type { XenStoreTree } from "./store.ts";
import { Transaction } from "./transactions.ts";
import type { WatchOwner, WatchRegistry } from "./watches.ts";

/** One connection's standing with the daemon: who it is and what it has open. */
export interface Session {
  domid: number;
  home: string;
  store: XenStoreTree;
  watches: WatchRegistry;
  owner: WatchOwner;
  transactions: Map<number, Transaction>;
  newTransactionId(): number;
  noWatch: boolean;
}

export interface Reply {
  type: number;
  payload: Uint8Array;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const OK = encoder.encode("OK\0");

// The commands xenstored's XS_CONTROL knows (tools/xenstore/xenstored_control.c); none has an effect here.
const CONTROL_COMMANDS = new Set(["check", "help", "log", "logfile", "memreport", "print", "quota", "quota-soft", "live-update"]);

/** `a\0b\0` with exactly `min` or more fields; xenstored refuses a payload that is not NUL-terminated. */
function fields(payload: Uint8Array, min: number): string[] {
  if (payload.length === 0 || payload[payload.length - 1] !== 0) throw new XsError("EINVAL");
  const out = splitNul(payload);
  if (out.length < min) throw new XsError("EINVAL");
  return out;
}

function oneField(payload: Uint8Array): string {
  const [only, ...rest] = fields(payload, 1);
  if (rest.length > 0) throw new XsError("EINVAL");
  return only as string;
}

function nulList(items: readonly string[]): Uint8Array {
  const bytes = encoder.encode(items.map((i) => `${i}\0`).join(""));
  if (bytes.length > MAX_PAYLOAD) throw new XsError("E2BIG");
  return bytes;
}

function domidField(payload: Uint8Array): number {
  const text = oneField(payload);
  if (!/^\d{1,5}$/.test(text)) throw new XsError("EINVAL");
  return Number(text);
}

/**
 * Simplified permissions: dom0 may touch anything; a guest only its own home and what lies below,
 * whatever the nodes' permission strings say. (xenstored checks each node's perms list instead, so
 * a guest there may also read e.g. /vm/<uuid> or another domain's granted nodes; no test needs it.)
 */
function resolve(session: Session, raw: string): string {
  const path = resolvePath(raw, session.home);
  if (session.domid !== 0 && !isWithin(path, session.home)) throw new XsError("EACCES");
  return path;
}

function scopeOf(session: Session, frame: Frame): StoreScope {
  if (frame.txId === 0) return liveScope(session.store);
  const tx = session.transactions.get(frame.txId);
  if (!tx) throw new XsError("ENOENT");
  return tx;
}

/** Resolves a watch path: @special names pass through, and say so with a null home. */
function watchTarget(session: Session, raw: string): { node: string; home: string | null } {
  if (raw.startsWith("@")) {
    if (!SPECIAL_WATCHES.has(raw)) throw new XsError("EINVAL");
    return { node: raw, home: null };
  }
  return { node: resolve(session, raw), home: isRelative(raw) ? session.home : null };
}

function directoryPart(scope: StoreScope, path: string, offsetText: string): Uint8Array {
  if (!/^\d+$/.test(offsetText)) throw new XsError("EINVAL");
  const names = scope.list(path);
  if (!names) throw new XsError("ENOENT");
  // The offset counts bytes into the whole `name\0name\0…` list; a chunk holds whole names only.
  const all = encoder.encode(names.map((n) => `${n}\0`).join(""));
  const gen = encoder.encode(`${scope.generation(path) ?? 0}\0`);
  const start = Math.min(Number(offsetText), all.length);
  const room = MAX_PAYLOAD - gen.length - 1;
  let end = start;
  while (end < all.length) {
    const next = all.indexOf(0, end) + 1;
    if (next - start > room) break;
    end = next;
  }
  // The last chunk closes the list with an empty name, which is how a client knows it has it all.
  const last = end === all.length;
  const out = new Uint8Array(gen.length + (end - start) + (last ? 1 : 0));
  out.set(gen);
  out.set(all.subarray(start, end), gen.length);
  return out;
}

function handle(session: Session, frame: Frame): Uint8Array {
  const scope = scopeOf(session, frame);
  const { payload } = frame;
  switch (frame.type) {
    case XS_TYPE.READ: {
      const value = scope.read(resolve(session, oneField(payload)));
      if (value === undefined) throw new XsError("ENOENT");
      return value;
    }
    case XS_TYPE.WRITE: {
      const nul = payload.indexOf(0);
      if (nul < 0) throw new XsError("EINVAL");
      scope.write(resolve(session, decoder.decode(payload.subarray(0, nul))), payload.slice(nul + 1), session.domid);
      return OK;
    }
    case XS_TYPE.MKDIR:
      scope.mkdir(resolve(session, oneField(payload)), session.domid);
      return OK;
    case XS_TYPE.RM: {
      const path = resolve(session, oneField(payload));
      if (path === "/") throw new XsError("EINVAL");
      // xenstored: removing a missing node is fine, unless its parent is missing too.
      if (!scope.exists(path) && !scope.exists(parentOf(path))) throw new XsError("ENOENT");
      scope.remove(path);
      return OK;
    }
    case XS_TYPE.DIRECTORY: {
      const names = scope.list(resolve(session, oneField(payload)));
      if (!names) throw new XsError("ENOENT");
      return nulList(names);
    }
    case XS_TYPE.DIRECTORY_PART: {
      const [path, offset, ...rest] = fields(payload, 2);
      if (rest.length > 0) throw new XsError("EINVAL");
      return directoryPart(scope, resolve(session, path as string), offset as string);
    }
    case XS_TYPE.GET_PERMS: {
      const perms = scope.getPerms(resolve(session, oneField(payload)));
      if (!perms) throw new XsError("ENOENT");
      return nulList(perms);
    }
    case XS_TYPE.SET_PERMS: {
      const [path, ...perms] = fields(payload, 2);
      if (!scope.setPerms(resolve(session, path as string), checkPerms(perms))) throw new XsError("ENOENT");
      return OK;
    }
    case XS_TYPE.GET_DOMAIN_PATH:
      return encoder.encode(`${domainPath(domidField(payload))}\0`);
    case XS_TYPE.IS_DOMAIN_INTRODUCED:
      domidField(payload);
      return encoder.encode("T\0");
    case XS_TYPE.TRANSACTION_START: {
      if (frame.txId !== 0) throw new XsError("EBUSY");
      const tx = new Transaction(session.newTransactionId(), session.store);
      session.transactions.set(tx.id, tx);
      return encoder.encode(`${tx.id}\0`);
    }
    case XS_TYPE.TRANSACTION_END: {
      const tx = session.transactions.get(frame.txId);
      if (!tx) throw new XsError("ENOENT");
      const verdict = oneField(payload);
      if (verdict !== "T" && verdict !== "F") throw new XsError("EINVAL");
      session.transactions.delete(tx.id);
      if (verdict === "T" && !tx.commit(session.store)) throw new XsError("EAGAIN");
      return OK;
    }
    case XS_TYPE.WATCH: {
      if (session.noWatch) throw new XsError("ENOSYS");
      const [raw, token] = fields(payload, 2) as [string, string];
      const { node, home } = watchTarget(session, raw);
      session.watches.add(session.owner, node, token, home);
      // Every new watch fires once at once, so a client can read the current state race-free.
      session.owner.deliver(raw, token);
      return OK;
    }
    case XS_TYPE.UNWATCH: {
      const [raw, token] = fields(payload, 2) as [string, string];
      session.watches.remove(session.owner, watchTarget(session, raw).node, token);
      return OK;
    }
    case XS_TYPE.RESET_WATCHES:
      session.watches.removeAll(session.owner);
      session.transactions.clear();
      return OK;
    case XS_TYPE.CONTROL: {
      if (session.domid !== 0) throw new XsError("EACCES");
      const [command] = fields(payload, 1);
      if (!CONTROL_COMMANDS.has(command as string)) throw new XsError("EINVAL");
      return OK;
    }
    default:
      throw new XsError("EINVAL");
  }
}

/** The reply to one request: its own type with the result, or ERROR with an errno name. */
export function answer(session: Session, frame: Frame): Reply {
  try {
    return { type: frame.type, payload: handle(session, frame) };
  } catch (error) {
    if (!(error instanceof XsError)) throw error;
    return { type: XS_TYPE.ERROR, payload: encoder.encode(`${error.errno}\0`) };
  }
}
