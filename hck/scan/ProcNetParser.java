package hck.scan;

import hck.model.Addresses;
import hck.model.Endpoint;
import hck.model.SocketTimer;
import hck.model.Sock;
import hck.model.TcpState;
import hck.model.UdpInfo;


/**
 * Parses lines of /proc/net/tcp and /proc/net/tcp6 (net/ipv4/tcp_ipv4.c get_tcp4_sock,
 * get_timewait4_sock). Addresses are 32-bit words in host (little-endian) order; the timer
 * column {@code tr:tm->when} is in clock ticks (USER_HZ, 100 a second).
 */
public final class ProcNetParser {
    private static final int USER_HZ = 100;
    private static final String[] TIMER_NAMES = {"off", "on", "keepalive", "timewait", "persist"};

    private ProcNetParser() {}

    /** Returns null for the header line; throws on a malformed line. */
    public static Sock parse(String line) {
        String[] f = line.trim().split("\\s+");
        if (f.length > 0 && f[0].equals("sl")) return null;
        if (f.length < 10 || !f[0].endsWith(":")) throw new IllegalArgumentException("short line");
        Endpoint local = endpoint(f[1]);
        Endpoint remote = endpoint(f[2]);
        TcpState state = TcpState.fromKernelCode(Integer.parseInt(f[3], 16));
        if (state == null) throw new IllegalArgumentException("state " + f[3]);
        String[] q = f[4].split(":");
        String[] t = f[5].split(":");
        int tr = Integer.parseInt(t[0], 16);
        long ticks = Long.parseUnsignedLong(t[1], 16);
        SocketTimer timer = tr == 0 || tr >= TIMER_NAMES.length ? null
                : new SocketTimer(TIMER_NAMES[tr], ticks * 1000 / USER_HZ, Integer.parseInt(f[6], 16));
        long inode = Long.parseLong(f[9]);
        return new Sock(state, local, remote, Long.parseLong(q[1], 16), Long.parseLong(q[0], 16),
                inode, null, timer, null, null, null);
    }

    /** A line of /proc/net/udp{,6}: the same columns, and the drop counter last. */
    public static Sock parseUdp(String line) {
        Sock s = parse(line);
        if (s == null) return null;
        String[] f = line.trim().split("\\s+");
        return s.withUdp(new UdpInfo(Long.parseLong(f[f.length - 1]), null));
    }

    static Endpoint endpoint(String field) {
        int colon = field.indexOf(':');
        String hex = field.substring(0, colon);
        int port = Integer.parseInt(field.substring(colon + 1), 16);
        byte[] b = new byte[hex.length() / 2];
        if (b.length != 4 && b.length != 16) throw new IllegalArgumentException("address " + field);
        for (int word = 0; word < b.length / 4; word++) {
            long v = Long.parseLong(hex.substring(word * 8, word * 8 + 8), 16);
            for (int i = 0; i < 4; i++) b[word * 4 + i] = (byte) (v >>> (8 * i));
        }
        return new Endpoint(b.length == 4 ? Addresses.ipv4(b, 0) : Addresses.ipv6(b), port, null);
    }
}
