package hck.model;

import java.util.List;

/**
 * One TCP socket as a scan saw it. Times from tcp_info are in milliseconds and null when the
 * source had no tcp_info for the socket (timewait sockets, the /proc source). {@code inode} 0
 * means an orphan: the application already closed it and no process holds it.
 * {@code firstSeenMs} is the epoch of the first sighting from the state file, or null.
 */
public record TcpSocket(
        TcpState state,
        Endpoint local,
        Endpoint remote,
        long recvQ,
        long sendQ,
        long inode,
        String cookie,
        SocketTimer timer,
        Long lastSndMs,
        Long lastRcvMs,
        Long lastAckMs,
        List<Owner> owners,
        Long firstSeenMs) {

    public TcpSocket {
        owners = owners == null ? List.of() : List.copyOf(owners);
    }

    public boolean orphan() {
        return inode == 0;
    }

    public boolean hasTcpInfo() {
        return lastAckMs != null;
    }

    /** The owner reported for the socket: the lowest PID when several processes share it. */
    public Owner owner() {
        return owners.isEmpty() ? null : owners.get(0);
    }

    public TcpSocket withOwners(List<Owner> o) {
        return new TcpSocket(state, local, remote, recvQ, sendQ, inode, cookie, timer,
                lastSndMs, lastRcvMs, lastAckMs, o, firstSeenMs);
    }

    public TcpSocket withFirstSeen(Long epochMs) {
        return new TcpSocket(state, local, remote, recvQ, sendQ, inode, cookie, timer,
                lastSndMs, lastRcvMs, lastAckMs, owners, epochMs);
    }

    /** Identity across runs: the cookie when known, else inode + 4-tuple + state (SPEC "Age"). */
    public String key() {
        if (cookie != null) return "sk:" + cookie;
        return inode + " " + local + " " + remote + " " + state;
    }

    /** {@code tcp CLOSE_WAIT 10.0.0.5:8080 -> 10.0.0.100:52431} */
    public String describe() {
        return "tcp " + state + " " + local + " -> " + remote;
    }
}
