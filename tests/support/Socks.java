package hck.support;

import hck.model.Endpoint;
import hck.model.Owner;
import hck.model.Retrans;
import hck.model.Sock;
import hck.model.SocketTimer;
import hck.model.TcpState;
import hck.model.UdpInfo;

import java.util.List;

/** Sockets for unit tests, in the flat shape a test reads best (the product builds them from a dump). */
public final class Socks {
    private Socks() {}

    /** A TCP socket of hck's own namespace; tcp_info present when {@code lastAckMs} is. */
    public static Sock of(TcpState state, Endpoint local, Endpoint remote, long recvQ, long sendQ, long inode, String cookie, SocketTimer timer,
                          Long lastSndMs, Long lastRcvMs, Long lastAckMs, List<Owner> owners, Long firstSeenMs) {
        return of(state, local, remote, recvQ, sendQ, inode, cookie, timer, lastSndMs, lastRcvMs, lastAckMs, owners, firstSeenMs, null, null);
    }

    public static Sock of(TcpState state, Endpoint local, Endpoint remote, long recvQ, long sendQ, long inode, String cookie, SocketTimer timer,
                          Long lastSndMs, Long lastRcvMs, Long lastAckMs, List<Owner> owners, Long firstSeenMs, String netns) {
        return of(state, local, remote, recvQ, sendQ, inode, cookie, timer, lastSndMs, lastRcvMs, lastAckMs, owners, firstSeenMs, netns, null);
    }

    public static Sock of(TcpState state, Endpoint local, Endpoint remote, long recvQ, long sendQ, long inode, String cookie, SocketTimer timer,
                          Long lastSndMs, Long lastRcvMs, Long lastAckMs, List<Owner> owners, Long firstSeenMs, String netns, UdpInfo udp) {
        Sock.TcpInfo info = lastAckMs == null ? null
                : new Sock.TcpInfo(lastSndMs == null ? 0 : lastSndMs, lastRcvMs == null ? 0 : lastRcvMs, lastAckMs, null, null);
        return new Sock(state, local, remote, recvQ, sendQ, inode, cookie, timer, info, udp, new Sock.Seen(owners, firstSeenMs, netns, null));
    }

    /** {@code s} with tcp_info's retransmission state. */
    public static Sock withRetrans(Sock s, Retrans r) {
        Sock.TcpInfo i = s.tcpInfo();
        return new Sock(s.state(), s.local(), s.remote(), s.recvQ(), s.sendQ(), s.inode(), s.cookie(), s.timer(),
                new Sock.TcpInfo(i.lastSndMs(), i.lastRcvMs(), i.lastAckMs(), r, i.stamp()), s.udp(), s.seen());
    }

    /** {@code s} with a stamp of its entry into {@code state}, {@code ageMs} before the dump. */
    public static Sock withStamp(Sock s, hck.model.TcpState state, long ageMs) {
        Sock.TcpInfo i = s.tcpInfo();
        return new Sock(s.state(), s.local(), s.remote(), s.recvQ(), s.sendQ(), s.inode(), s.cookie(), s.timer(),
                new Sock.TcpInfo(i.lastSndMs(), i.lastRcvMs(), i.lastAckMs(), i.retrans(), new hck.model.Stamp(state, hck.model.TcpState.ESTABLISHED, ageMs)),
                s.udp(), s.seen());
    }
}
