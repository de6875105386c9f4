package hck.scan;

import static hck.sys.InetDiag.AF_INET;
import static hck.sys.InetDiag.AF_INET6;
import static hck.sys.InetDiag.INET_DIAG_INFO;
import static hck.sys.InetDiag.IPPROTO_TCP;
import static hck.sys.InetDiag.NLM_F_DUMP;
import static hck.sys.InetDiag.NLM_F_REQUEST;
import static hck.sys.InetDiag.SOCK_DIAG_BY_FAMILY;
import static hck.sys.InetDiag.TCPDIAG_GETSOCK;

import hck.model.Addresses;
import hck.model.Endpoint;
import hck.model.Retrans;
import hck.model.SocketTimer;
import hck.model.Sock;
import hck.model.Stamp;
import hck.model.TcpState;
import hck.sys.InetDiag;
import hck.sys.LibC;
import hck.sys.Netlink;

import java.io.IOException;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The default source: a NETLINK_SOCK_DIAG dump of the calling thread's namespace, what ss does
 * without the process, the text and the per-socket "Failed to find cgroup2 mount" noise. The
 * watched states are filtered in the kernel (the state bitmask) with tcp_info attached
 * (INET_DIAG_INFO); the other states are dumped bare, only to be counted for {@code scanned}.
 * Gives the same sockets as ss -tanoeiH (a test holds them together), with ms-precise timers.
 */
public final class NetlinkSource implements SocketSource {
    static final String[] TIMERS = {null, "on", "keepalive", "timewait", "persist"};

    private final Runnable firstOwned;
    private final int stampMap;
    private final java.util.function.Consumer<String> note;

    public NetlinkSource() {
        this(() -> { }, -1, m -> { });
    }

    /**
     * @param firstOwned run once, during the dump, at the first watched socket with an inode (one a process may hold)
     * @param stampMap   the stamp map's fd, whose values the dump asks for beside each watched socket; -1 for none
     * @param note       told when the kernel refused the stamps (the dump is then made again without them)
     */
    public NetlinkSource(Runnable firstOwned, int stampMap, java.util.function.Consumer<String> note) {
        this.firstOwned = firstOwned;
        this.stampMap = stampMap;
        this.note = note;
    }

    @Override
    public String name() {
        return "netlink";
    }

    /** Loads JNA's native library (~0.1 s) on a thread of its own, while the caller does something else. */
    public static void loadInBackground() {
        Thread jna = new Thread(NetlinkSource::available, "hck-jna-load");
        jna.setDaemon(true);
        jna.start();
    }

    /** Whether this host can dump over netlink from Java (JNA loads, the socket opens). */
    public static boolean available() {
        try (Netlink nl = Netlink.open()) {
            return true;
        } catch (IOException | LinkageError | RuntimeException e) {
            return false;
        }
    }

    @Override
    public ScanResult scan() throws IOException {
        return scan(true);
    }

    /** Without the dump of the other states that only counts them. */
    @Override
    public List<Sock> watched() throws IOException {
        return scan(false).candidates();
    }

    /**
     * The cookies of the watched sockets, sorted: a dump without tcp_info, read for one field,
     * for live mode's verification (identity by cookie, whatever state the socket went on to).
     */
    public long[] watchedCookies() throws IOException {
        int watched = 0;
        for (TcpState s : TcpState.WATCHED) watched |= 1 << s.kernelCode;
        long[][] out = {new long[1024]};
        int[] n = {0};
        try (Netlink nl = Netlink.open()) {
            walk(nl, watched, false, -1, m -> {
                if (n[0] == out[0].length) out[0] = java.util.Arrays.copyOf(out[0], n[0] * 2);
                out[0][n[0]++] = InetDiag.cookie(m);
            }, () -> n[0] = 0);
        }
        long[] cookies = java.util.Arrays.copyOf(out[0], n[0]);
        java.util.Arrays.sort(cookies);
        return cookies;
    }

    private ScanResult scan(boolean countOthers) throws IOException {
        int watched = 0;
        for (TcpState s : TcpState.WATCHED) watched |= 1 << s.kernelCode;
        int others = 0xFFE & ~watched;
        List<Sock> sockets = new ArrayList<>();
        long[] count = new long[1];
        Map<Integer, String> names = new HashMap<>();
        AddressTexts texts = new AddressTexts();
        // the ephemeral ports in use, counted from what the dump already reads (only in a full scan)
        PortCounts ports = countOthers ? PortCounts.ofThisNamespace() : null;
        boolean[] owned = {false};
        Runnable reset = () -> {
            sockets.clear();
            if (ports != null) ports.clear();
        };
        try (Netlink nl = Netlink.open()) {
            long bootNs = stampMap < 0 ? 0 : LibC.bootTimeNs(); // before the dump: a stamp's age is then never above the truth
            Sink sink = m -> {
                Sock s = socket(m, names, texts, bootNs);
                sockets.add(s);
                if (ports != null) ports.add(s.state(), s.local().address(), s.local().port(), s.remote().address(), s.remote().port());
                if (!owned[0] && s.inode() != 0) {
                    owned[0] = true;
                    firstOwned.run();
                }
            };
            try {
                walk(nl, watched, true, stampMap, sink, reset);
            } catch (IOException e) {
                if (stampMap < 0) throw e;
                note.accept("the kernel refused to dump the stamps (" + e.getMessage() + "): ages are lower bounds");
                reset.run();
                try (Netlink again = Netlink.open()) {
                    walk(again, watched, true, -1, sink, reset);
                }
            }
            if (countOthers) walk(nl, others, false, -1, m -> {
                count[0]++;
                int sport = InetDiag.sport(m);
                if (!ports.ephemeral(sport)) return;
                int family = InetDiag.family(m);
                ports.add(InetDiag.state(m), texts.of(family, m, InetDiag.address(0), 0), sport,
                        texts.of(family, m, InetDiag.address(1), 1), InetDiag.dport(m));
            }, () -> count[0] = 0);
        }
        return new ScanResult(sockets, sockets.size() + count[0], name(), 0, ports);
    }

    interface Sink {
        void accept(ByteBuffer message);
    }

    /** Both families in one walk where the kernel serves it, else one dump per family ({@code reset} drops a partial answer). */
    private static void walk(Netlink nl, int states, boolean info, int stampMap, Sink sink, Runnable reset) throws IOException {
        if (dumpBothFamilies(nl, states, info, stampMap, sink)) return;
        reset.run();
        for (int family : new int[] {AF_INET, AF_INET6}) dump(nl, family, states, info, stampMap, sink);
    }

    /**
     * One walk of the kernel's TCP hash tables for IPv4 and IPv6 together: the old TCPDIAG_GETSOCK
     * request, which inet_diag_dump_compat serves with sdiag_family AF_UNSPEC. Each walk visits every
     * bucket of the established table, which all namespaces share, and every socket of the host in
     * it — 40 ms for an empty namespace while another held 190k sockets, measured here — and
     * SOCK_DIAG_BY_FAMILY needs one walk per family. Its answers are the same inet_diag_msg. False
     * when the kernel refuses the request (no compat handler).
     */
    private static boolean dumpBothFamilies(Netlink nl, int states, boolean info, int stampMap, Sink sink) throws IOException {
        int length = Netlink.HEADER + InetDiag.REQ_COMPAT + (stampMap < 0 ? 0 : 12);
        ByteBuffer req = ByteBuffer.allocate(length).order(ByteOrder.nativeOrder());
        InetDiag.header(req, length, TCPDIAG_GETSOCK, NLM_F_REQUEST | NLM_F_DUMP, 2);
        // struct inet_diag_req: family, src_len, dst_len, ext, inet_diag_sockid (48 bytes), states, dbs
        req.put((byte) AF_INET).put((byte) 0).put((byte) 0).put((byte) (info ? 1 << (INET_DIAG_INFO - 1) : 0));
        req.position(Netlink.HEADER + 4 + 48);
        req.putInt(states).putInt(0);
        InetDiag.storageRequest(req, stampMap);
        nl.send(req);
        boolean[] refused = new boolean[1];
        nl.receive((type, seq, payload) -> {
            if (type == Netlink.NLMSG_DONE) return false;
            if (type == Netlink.NLMSG_ERROR) {
                refused[0] = true;
                return false;
            }
            if (type == TCPDIAG_GETSOCK) sink.accept(payload);
            return true;
        });
        return !refused[0];
    }

    private static void dump(Netlink nl, int family, int states, boolean info, int stampMap, Sink sink) throws IOException {
        int length = Netlink.HEADER + InetDiag.REQ_V2 + (stampMap < 0 ? 0 : 12);
        ByteBuffer req = ByteBuffer.allocate(length).order(ByteOrder.nativeOrder());
        InetDiag.header(req, length, SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST | NLM_F_DUMP, 1);
        InetDiag.requestV2(req, family, IPPROTO_TCP, info ? 1 << (INET_DIAG_INFO - 1) : 0, states);
        req.position(Netlink.HEADER + InetDiag.REQ_V2);
        InetDiag.storageRequest(req, stampMap);
        nl.send(req);
        nl.receive((type, seq, payload) -> {
            if (type == Netlink.NLMSG_DONE) return false;
            if (type == Netlink.NLMSG_ERROR) throw new IOException("netlink dump failed: " + LibC.errnoName(-payload.getInt(0)));
            if (type == SOCK_DIAG_BY_FAMILY) sink.accept(payload);
            return true;
        });
    }

    /** inet_diag_msg (linux/inet_diag.h), then its attributes: INET_DIAG_INFO, and the stamp ({@code bootNs}: the clock before the dump). */
    static Sock socket(ByteBuffer m, Map<Integer, String> names, AddressTexts texts, long bootNs) {
        int family = InetDiag.family(m);
        TcpState state = InetDiag.state(m);
        int timer = InetDiag.timer(m), retrans = InetDiag.retrans(m);
        int ifindex = InetDiag.ifindex(m);
        long inode = InetDiag.inode(m);
        String zone = ifindex == 0 ? null : names.computeIfAbsent(ifindex, NetlinkSource::ifname);
        int remoteAt = InetDiag.address(1);
        String local = texts.of(family, m, InetDiag.address(0), 0), remote = texts.of(family, m, remoteAt, 1);
        boolean linkLocalPeer = family == AF_INET6 && (m.get(remoteAt) & 0xff) == 0xfe && (m.get(remoteAt + 1) & 0xc0) == 0x80;
        Sock.TcpInfo info = null;
        Stamp stamp = null;
        for (int p = InetDiag.MSG; p + 4 <= m.limit(); ) {
            int alen = Short.toUnsignedInt(m.getShort(p));
            int atype = Short.toUnsignedInt(m.getShort(p + 2)) & 0x3fff;
            if (alen < 4) break;
            if (atype == INET_DIAG_INFO && alen >= 4 + 60) {
                // struct tcp_info: tcpi_retransmits (2), tcpi_backoff (4), tcpi_rto in µs (8); tcpi_last_data_sent (44),
                // tcpi_last_data_recv (52), tcpi_last_ack_recv (56)
                info = new Sock.TcpInfo(Integer.toUnsignedLong(m.getInt(p + 4 + 44)), Integer.toUnsignedLong(m.getInt(p + 4 + 52)),
                        Integer.toUnsignedLong(m.getInt(p + 4 + 56)),
                        new Retrans(m.get(p + 4 + 2) & 0xff, m.get(p + 4 + 4) & 0xff, Integer.toUnsignedLong(m.getInt(p + 4 + 8)) / 1000), null);
            } else if (atype == InetDiag.STORAGES) {
                stamp = InetDiag.stamp(m, p + 4, p + alen, bootNs);
            }
            p += (alen + 3) & ~3;
        }
        if (info != null && stamp != null) info = new Sock.TcpInfo(info.lastSndMs(), info.lastRcvMs(), info.lastAckMs(), info.retrans(), stamp);
        SocketTimer t = timer > 0 && timer < TIMERS.length ? new SocketTimer(TIMERS[timer], InetDiag.expires(m), retrans) : null;
        return new Sock(state, new Endpoint(local, InetDiag.sport(m), zone), new Endpoint(remote, InetDiag.dport(m), linkLocalPeer ? zone : null),
                InetDiag.rqueue(m), InetDiag.wqueue(m), inode, Long.toHexString(InetDiag.cookie(m)), t, info, null, null);
    }

    /**
     * One String per distinct address: a host's sockets share a few local addresses and usually
     * far fewer peers than sockets, and a copy per socket was garbage the GC had to move.
     */
    static final class AddressTexts {
        private final Map<ByteBuffer, String> seen = new HashMap<>();
        // the last address seen at each end (0 local, 1 remote): consecutive sockets mostly repeat it
        private final int[] lastFamily = {-1, -1};
        private final long[] lastHi = new long[2], lastLo = new long[2];
        private final String[] lastText = new String[2];

        /** The text of the 16-byte address at {@code offset} of an inet_diag_msg (IPv4 in its first 4). */
        String of(int family, ByteBuffer m, int offset, int end) {
            long hi = m.getLong(offset), lo = m.getLong(offset + 8);
            if (family == lastFamily[end] && hi == lastHi[end] && lo == lastLo[end]) return lastText[end];
            byte[] raw = new byte[16];
            m.get(offset, raw);
            ByteBuffer key = ByteBuffer.wrap(raw, 0, family == AF_INET ? 4 : 16);
            String text = seen.get(key);
            if (text == null) {
                text = family == AF_INET ? Addresses.ipv4(raw, 0) : Addresses.ipv6(raw);
                seen.put(key, text);
            }
            lastFamily[end] = family;
            lastHi[end] = hi;
            lastLo[end] = lo;
            lastText[end] = text;
            return text;
        }
    }

    private static String ifname(int index) {
        try {
            NetworkInterface ni = NetworkInterface.getByIndex(index);
            return ni == null ? Integer.toString(index) : ni.getName();
        } catch (SocketException e) {
            return Integer.toString(index);
        }
    }
}
