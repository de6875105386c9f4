package hck.sys;

import static hck.sys.InetDiag.AF_INET;
import static hck.sys.InetDiag.AF_INET6;
import static hck.sys.InetDiag.IPPROTO_TCP;
import static hck.sys.InetDiag.IPPROTO_UDP;
import static hck.sys.InetDiag.MSG;
import static hck.sys.InetDiag.NLM_F_ACK;
import static hck.sys.InetDiag.NLM_F_REQUEST;
import static hck.sys.InetDiag.NO_COOKIE;
import static hck.sys.InetDiag.SOCK_DESTROY;
import static hck.sys.InetDiag.SOCK_DIAG_BY_FAMILY;

import hck.model.Endpoint;
import hck.model.Sock;
import hck.model.TcpState;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * A NETLINK_SOCK_DIAG socket (linux/inet_diag.h) for exact lookups and SOCK_DESTROY of single
 * sockets named by family, full 4-tuple, bound interface and cookie. Requests go in batches, many
 * per write; the kernel answers each one (inet_diag_cmd_exact), so every socket gets its own
 * result. A cookie that no longer matches makes the kernel refuse (sock_diag_check_cookie), so a
 * new socket reusing the 4-tuple is never hit.
 */
public final class SockDiag implements AutoCloseable {
    private static final int HDR = Netlink.HEADER, REQ = InetDiag.REQ_V2;
    private static final int BATCH = 256;
    /** Below this many requests a second thread and socket cost more than they save. */
    private static final int PARALLEL_FROM = 4 * BATCH;

    /** The identity of one socket as inet_diag names it. */
    public record Id(int family, int protocol, byte[] src, int sport, byte[] dst, int dport, int ifindex, long cookie) {
        public static Id of(Sock s) throws IOException {
            boolean v6 = s.local().ipv6();
            int ifindex = SockDiag.ifindex(s.local().zone() != null ? s.local().zone() : s.remote().zone());
            return new Id(v6 ? AF_INET6 : AF_INET, s.udp() == null ? IPPROTO_TCP : IPPROTO_UDP, bytes(s.local(), v6, true), s.local().port(),
                    bytes(s.remote(), v6, false),
                    s.remote().port(), ifindex, s.cookie() == null ? NO_COOKIE : Long.parseUnsignedLong(s.cookie(), 16));
        }

        public Id withCookie(long c) {
            return new Id(family, protocol, src, sport, dst, dport, ifindex, c);
        }
    }

    /** The kernel's answer to one request: the socket it found, or an errno (0: done, for a destroy). */
    public sealed interface Answer permits Found, Errno {}

    /** What an exact lookup found: the socket's current state, cookie and inode. */
    public record Found(TcpState state, long cookie, long inode) implements Answer {}

    /** The request's errno: ENOENT for no such socket, ESTALE for another cookie, 0 for a destroy done. */
    public record Errno(int value) implements Answer {
        /** The socket is not there (any more) under this identity. */
        public boolean noSuchSocket() {
            return value == LibC.ENOENT || value == LibC.ESTALE;
        }
    }

    private final Netlink nl;
    private int seq;

    private SockDiag(Netlink nl) {
        this.nl = nl;
    }

    public static SockDiag open() throws IOException {
        return new SockDiag(Netlink.open());
    }

    /**
     * Asks the kernel to destroy a socket that cannot exist (port 0 on both ends): ENOENT means
     * SOCK_DESTROY is there, EOPNOTSUPP means the kernel lacks CONFIG_INET_DIAG_DESTROY.
     */
    public int probeDestroy() throws IOException {
        Id nothing = new Id(AF_INET, IPPROTO_TCP, new byte[16], 0, new byte[16], 0, 0, NO_COOKIE);
        return exchange(List.of(nothing), SOCK_DESTROY)[0] instanceof Errno e ? e.value() : 0;
    }

    /** Per id, the kernel's answer: a {@link Found}, or the lookup's {@link Errno}. */
    public Answer[] lookup(List<Id> ids) throws IOException {
        return exchange(ids, SOCK_DIAG_BY_FAMILY);
    }

    /** Per id: 0 when the kernel destroyed the socket, else the errno. */
    public int[] destroy(List<Id> ids) throws IOException {
        Answer[] r = exchange(ids, SOCK_DESTROY);
        int[] out = new int[r.length];
        for (int i = 0; i < r.length; i++) out[i] = r[i] instanceof Errno e ? e.value() : 0;
        return out;
    }

    private Answer[] exchange(List<Id> ids, short type) throws IOException {
        Answer[] results = new Answer[ids.size()];
        if (ids.size() < PARALLEL_FROM) {
            seq = exchange(nl, ids, 0, ids.size(), type, results, seq);
            return results;
        }
        // The kernel does each request's work in the sender's system call (the lookup, the destroy
        // and the RST it sends): on two threads, two cores share it (bench/run.sh measures the live kills).
        // The second socket is opened on this thread, so that it is in the same network namespace
        // as the first: hck may be inside another namespace than its other threads.
        int half = ids.size() / 2;
        try (Netlink other = Netlink.open()) {
            FutureTask<Integer> firstHalf = new FutureTask<>(() -> exchange(other, ids, 0, half, type, results, 0));
            Thread t = new Thread(firstHalf, "hck-sock-diag");
            t.setDaemon(true);
            t.start();
            seq = exchange(nl, ids, half, ids.size(), type, results, seq);
            try {
                firstHalf.get();
            } catch (ExecutionException e) {
                if (e.getCause() instanceof IOException io) throw io;
                throw new IOException("netlink: " + e.getCause(), e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for the kernel's answers");
            }
        }
        return results;
    }

    /** Requests {@code ids[from, to)} over {@code nl}, in batches; returns the last sequence number used. */
    private static int exchange(Netlink nl, List<Id> ids, int from, int to, short type, Answer[] results, int seq) throws IOException {
        for (int start = from; start < to; start += BATCH) {
            int end = Math.min(to, start + BATCH);
            int base = seq + 1;
            ByteBuffer buf = ByteBuffer.allocate((end - start) * (HDR + REQ)).order(ByteOrder.nativeOrder());
            for (int i = start; i < end; i++) request(buf, ids.get(i), type, ++seq);
            nl.send(buf);
            receive(nl, results, start, base, end - start);
        }
        return seq;
    }

    private static void request(ByteBuffer b, Id id, short type, int seq) {
        InetDiag.header(b, HDR + REQ, type, NLM_F_REQUEST | (type == SOCK_DESTROY ? NLM_F_ACK : 0), seq);
        // idiag_states: all; exact lookups ignore it, hck checks the state itself
        InetDiag.requestV2(b, id.family(), id.protocol(), 0, 0xFFF);
        InetDiag.sockid(b, id.sport(), id.dport(), id.src(), id.dst(), id.ifindex(), id.cookie());
    }

    private static void receive(Netlink nl, Answer[] results, int offset, int base, int expected) throws IOException {
        int[] answered = {0};
        nl.receive((type, s, payload) -> {
            int idx = s - base;
            if (idx >= 0 && idx < expected && results[offset + idx] == null) {
                if (type == Netlink.NLMSG_ERROR) {
                    results[offset + idx] = new Errno(-payload.getInt(0));
                    answered[0]++;
                } else if (type == SOCK_DIAG_BY_FAMILY && payload.limit() >= MSG) {
                    results[offset + idx] = found(payload);
                    answered[0]++;
                }
            }
            return answered[0] < expected;
        });
    }

    private static Found found(ByteBuffer m) {
        return new Found(InetDiag.state(m), InetDiag.cookie(m), InetDiag.inode(m));
    }

    /** The last address parsed, at each end: a host's hung sockets share a few (never written to: Ids share the bytes). */
    private record Parsed(String address, boolean v6, byte[] raw) {}

    private static volatile Parsed lastLocal, lastRemote;

    static byte[] bytes(Endpoint e, boolean v6, boolean local) throws IOException {
        Parsed last = local ? lastLocal : lastRemote;
        if (last != null && last.v6() == v6 && last.address().equals(e.address())) return last.raw();
        byte[] raw = bytes(e, v6);
        if (local) lastLocal = new Parsed(e.address(), v6, raw); else lastRemote = new Parsed(e.address(), v6, raw);
        return raw;
    }

    static byte[] bytes(Endpoint e, boolean v6) throws IOException {
        InetAddress a;
        try {
            a = InetAddress.getByName(e.address());
        } catch (UnknownHostException x) {
            throw new IOException("not an address: " + e.address());
        }
        byte[] raw = a.getAddress();
        if (!v6) return raw;
        if (a instanceof Inet4Address) { // Java turns ::ffff:a.b.c.d into an IPv4 address
            byte[] m = new byte[16];
            m[10] = (byte) 0xff;
            m[11] = (byte) 0xff;
            System.arraycopy(raw, 0, m, 12, 4);
            return m;
        }
        return raw;
    }

    static int ifindex(String zone) throws IOException {
        if (zone == null) return 0;
        try {
            NetworkInterface ni = NetworkInterface.getByName(zone);
            if (ni == null) throw new IOException("no interface " + zone);
            return ni.getIndex();
        } catch (SocketException e) {
            throw new IOException("interface " + zone + ": " + e.getMessage());
        }
    }

    @Override
    public void close() {
        nl.close();
    }
}
