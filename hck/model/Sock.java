package hck.model;

import java.util.List;

/**
 * One socket as a scan saw it, TCP or UDP ({@code udp} non-null: its drop counters; its state
 * CLOSE is ss's UNCONN). What the kernel's dump says of it — state, 4-tuple, queues, inode (0: an
 * orphan, closed by the application and held by no process), cookie, timer — then two groups:
 * {@code tcpInfo}, null where the source had no tcp_info for it (timewait sockets, the /proc
 * source), and {@code seen}, what hck learned around the dump (owners, first sighting, namespace).
 */
public record Sock(
        TcpState state,
        Endpoint local,
        Endpoint remote,
        long recvQ,
        long sendQ,
        long inode,
        String cookie,
        SocketTimer timer,
        TcpInfo tcpInfo,
        UdpInfo udp,
        Seen seen) {

    /**
     * What the kernel keeps of a full socket: the times tcp_info gives, in milliseconds since each
     * event, the retransmission state (null where not read), and hck's stamp of its entry into the
     * state (null where the socket has none, or stamps are not read).
     */
    public record TcpInfo(long lastSndMs, long lastRcvMs, long lastAckMs, Retrans retrans, Stamp stamp) {}

    /**
     * What hck adds to the dump: the owning processes (sorted by PID), the epoch of the first
     * sighting from the state file (for UDP: since when its queue stood at the threshold) or null,
     * the label of the network namespace (null: hck's own), and the container its owner runs in
     * (for a socket without one, its namespace's), or null.
     */
    public record Seen(List<Owner> owners, Long firstSeenMs, String netns, Container container) {
        public static final Seen NOTHING = new Seen(List.of(), null, null, null);

        public Seen {
            owners = owners == null ? List.of() : List.copyOf(owners);
        }
    }

    public Sock {
        if (seen == null) seen = Seen.NOTHING;
    }

    public String proto() {
        return udp == null ? "tcp" : "udp";
    }

    /** The state as reports write it: TCP names, and UNCONN for an unconnected UDP socket. */
    public String stateName() {
        return udp != null && state == TcpState.CLOSE ? "UNCONN" : state.name();
    }

    public Long lastSndMs() {
        return tcpInfo == null ? null : tcpInfo.lastSndMs();
    }

    public Long lastRcvMs() {
        return tcpInfo == null ? null : tcpInfo.lastRcvMs();
    }

    public Long lastAckMs() {
        return tcpInfo == null ? null : tcpInfo.lastAckMs();
    }

    public Retrans retrans() {
        return tcpInfo == null ? null : tcpInfo.retrans();
    }

    /** hck's stamp of the socket's entry into its current state, or null (none, or one of a state it has left). */
    public Stamp stamp() {
        return tcpInfo == null || tcpInfo.stamp() == null || tcpInfo.stamp().state() != state ? null : tcpInfo.stamp();
    }

    public List<Owner> owners() {
        return seen.owners();
    }

    public Long firstSeenMs() {
        return seen.firstSeenMs();
    }

    public String netns() {
        return seen.netns();
    }

    public Container container() {
        return seen.container();
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
        return tcpInfo != null;
    }

    /** The owner reported for the socket: the lowest PID when several processes share it. */
    public Owner owner() {
        return seen.owners().isEmpty() ? null : seen.owners().get(0);
    }

    public Sock withUdp(UdpInfo u) {
        return new Sock(state, local, remote, recvQ, sendQ, inode, cookie, timer, tcpInfo, u, seen);
    }

    public Sock withSeen(Seen s) {
        return new Sock(state, local, remote, recvQ, sendQ, inode, cookie, timer, tcpInfo, udp, s);
    }

    public Sock withOwners(List<Owner> o) {
        return withSeen(new Seen(o, seen.firstSeenMs(), seen.netns(), seen.container()));
    }

    public Sock withFirstSeen(Long epochMs) {
        return withSeen(new Seen(seen.owners(), epochMs, seen.netns(), seen.container()));
    }

    public Sock withNetns(String label) {
        return withSeen(new Seen(seen.owners(), seen.firstSeenMs(), label, seen.container()));
    }

    public Sock withContainer(Container c) {
        return withSeen(new Seen(seen.owners(), seen.firstSeenMs(), seen.netns(), c));
    }

    /**
     * Identity across runs: the cookie when known (a system-wide counter), else namespace + inode +
     * 4-tuple + state (docs/ages-and-states.md; orphans have inode 0, so the namespace tells them apart).
     */
    public String key() {
        if (cookie != null) return (udp == null ? "" : "udp ") + "sk:" + cookie;
        String netns = seen.netns();
        return (udp == null ? "" : "udp ") + (netns == null ? "" : netns + " ") + inode + " " + local + " " + remote + " " + state;
    }

    /** {@code tcp CLOSE_WAIT 10.0.0.5:8080 -> 10.0.0.100:52431} */
    public String describe() {
        return proto() + " " + stateName() + " " + local + " -> " + remote;
    }
}
