package hck.model;

import java.util.List;

/**
 * One TCP socket as a scan saw it. Times from tcp_info are in milliseconds and null when the
 * source had no tcp_info for the socket (timewait sockets, the /proc source). {@code inode} 0
 * means an orphan: the application already closed it and no process holds it.
 * {@code firstSeenMs} is the epoch of the first sighting from the state file, or null.
 * {@code netns} labels the network namespace the socket lives in (null: hck's own). {@code udp} is
 * null for TCP; for a UDP socket (state CLOSE = ss's UNCONN, or ESTABLISHED) it holds the drop
 * counters, and {@code firstSeenMs} is when its receive queue was first seen at the threshold.
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
        Long firstSeenMs,
        String netns,
        UdpInfo udp,
        Retrans retrans) {

    public TcpSocket {
        owners = owners == null ? List.of() : List.copyOf(owners);
    }

    public TcpSocket(TcpState state, Endpoint local, Endpoint remote, long recvQ, long sendQ, long inode, String cookie,
                     SocketTimer timer, Long lastSndMs, Long lastRcvMs, Long lastAckMs, List<Owner> owners, Long firstSeenMs, String netns,
                     UdpInfo udp) {
        this(state, local, remote, recvQ, sendQ, inode, cookie, timer, lastSndMs, lastRcvMs, lastAckMs, owners, firstSeenMs, netns, udp, null);
    }

    /** A socket of hck's own namespace. */
    public TcpSocket(TcpState state, Endpoint local, Endpoint remote, long recvQ, long sendQ, long inode, String cookie,
                     SocketTimer timer, Long lastSndMs, Long lastRcvMs, Long lastAckMs, List<Owner> owners, Long firstSeenMs) {
        this(state, local, remote, recvQ, sendQ, inode, cookie, timer, lastSndMs, lastRcvMs, lastAckMs, owners, firstSeenMs, null, null);
    }

    /** A TCP socket of a given namespace. */
    public TcpSocket(TcpState state, Endpoint local, Endpoint remote, long recvQ, long sendQ, long inode, String cookie,
                     SocketTimer timer, Long lastSndMs, Long lastRcvMs, Long lastAckMs, List<Owner> owners, Long firstSeenMs, String netns) {
        this(state, local, remote, recvQ, sendQ, inode, cookie, timer, lastSndMs, lastRcvMs, lastAckMs, owners, firstSeenMs, netns, null);
    }

    public String proto() {
        return udp == null ? "tcp" : "udp";
    }

    /** The state as reports write it: TCP names, and UNCONN for an unconnected UDP socket. */
    public String stateName() {
        return udp != null && state == TcpState.CLOSE ? "UNCONN" : state.name();
    }

    public TcpSocket withUdp(UdpInfo u) {
        return new TcpSocket(state, local, remote, recvQ, sendQ, inode, cookie, timer,
                lastSndMs, lastRcvMs, lastAckMs, owners, firstSeenMs, netns, u, retrans);
    }

    public TcpSocket withRetrans(Retrans r) {
        return new TcpSocket(state, local, remote, recvQ, sendQ, inode, cookie, timer,
                lastSndMs, lastRcvMs, lastAckMs, owners, firstSeenMs, netns, udp, r);
    }

    /**
     * FIN_WAIT1 and LAST_ACK: states that wait for the ACK of our FIN, whose start no tcp_info time
     * records (lastsnd ignores a bare FIN: __tcp_transmit_skb calls tcp_event_data_sent for payload
     * only; lastack is older than the close). CLOSING began with the peer's FIN, the last ACK received.
     */
    public boolean finUnacked() {
        return udp == null && (state == TcpState.FIN_WAIT1 || state == TcpState.LAST_ACK);
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
                lastSndMs, lastRcvMs, lastAckMs, o, firstSeenMs, netns, udp, retrans);
    }

    public TcpSocket withFirstSeen(Long epochMs) {
        return new TcpSocket(state, local, remote, recvQ, sendQ, inode, cookie, timer,
                lastSndMs, lastRcvMs, lastAckMs, owners, epochMs, netns, udp, retrans);
    }

    public TcpSocket withNetns(String label) {
        return new TcpSocket(state, local, remote, recvQ, sendQ, inode, cookie, timer,
                lastSndMs, lastRcvMs, lastAckMs, owners, firstSeenMs, label, udp, retrans);
    }

    /**
     * Identity across runs: the cookie when known (a system-wide counter), else namespace + inode +
     * 4-tuple + state (README "What counts as hung"; orphans have inode 0, so the namespace tells them apart).
     */
    public String key() {
        if (cookie != null) return (udp == null ? "" : "udp ") + "sk:" + cookie;
        return (udp == null ? "" : "udp ") + (netns == null ? "" : netns + " ") + inode + " " + local + " " + remote + " " + state;
    }

    /** {@code tcp CLOSE_WAIT 10.0.0.5:8080 -> 10.0.0.100:52431} */
    public String describe() {
        return proto() + " " + stateName() + " " + local + " -> " + remote;
    }
}
