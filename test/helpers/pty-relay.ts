/**
 * A host on a virtio port, for tests: Python holds a pty's master in raw mode and relays it
 * (its stdin → the port, the port → its stdout). Its first line is the slave's path.
 */
export const PTY_RELAY = `
import os, sys, tty, select
m, s = os.openpty()
tty.setraw(s)
print(os.ttyname(s), flush=True)
while True:
    r, _, _ = select.select([m, 0], [], [])
    if 0 in r:
        data = os.read(0, 65536)
        if not data: break
        os.write(m, data)
    if m in r:
        sys.stdout.buffer.write(os.read(m, 65536)); sys.stdout.flush()
`;
