/**
 * Whether a process listens on the unix socket at a host path: a socket file left by a killed
 * process refuses connections, and may then be replaced.
 */
export async function socketAnswers(hostPath: string): Promise<boolean> {
  try {
    const socket = await Bun.connect({ unix: hostPath, socket: { data() {} } });
    socket.end();
    return true;
  } catch {
    return false;
  }
}
