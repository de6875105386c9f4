package hck.sys;

import hck.model.Stamp;
import hck.model.TcpState;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The inet_diag messages (linux/inet_diag.h, linux/sock_diag.h) hck sends and reads, in one place
 * for the dump (scan) and the exact lookups and SOCK_DESTROY (act). Requests are written in the
 * host's byte order, ports in network order; answers are read at their fixed offsets.
 */
public final class InetDiag {
    public static final short TCPDIAG_GETSOCK = 18, SOCK_DIAG_BY_FAMILY = 20, SOCK_DESTROY = 21;
    public static final short NLM_F_REQUEST = 1, NLM_F_ACK = 4, NLM_F_DUMP = 0x300;
    public static final int AF_INET = 2, AF_INET6 = 10, IPPROTO_TCP = 6, IPPROTO_UDP = 17;
    /** The inet_diag_msg attribute that carries struct tcp_info. */
    public static final int INET_DIAG_INFO = 2;
    /** struct inet_diag_req_v2, struct inet_diag_req (the old TCPDIAG_GETSOCK request), struct inet_diag_msg. */
    public static final int REQ_V2 = 56, REQ_COMPAT = 60, MSG = 72;
    /** idiag_cookie when no cookie is known: the kernel then matches on the 4-tuple alone (INET_DIAG_NOCOOKIE). */
    public static final long NO_COOKIE = 0xFFFF_FFFF_FFFF_FFFFL;
    /** INET_DIAG_REQ_SK_BPF_STORAGES (a request's attribute) and INET_DIAG_SK_BPF_STORAGES (an answer's), linux/inet_diag.h. */
    public static final int REQ_STORAGES = 2, STORAGES = 20;
    /** struct inet_diag_sockid, at offset 4 of both the request and the answer. */
    private static final int SOCKID = 4;

    private InetDiag() {}

    /** struct nlmsghdr. */
    public static void header(ByteBuffer b, int length, short type, int flags, int seq) {
        b.putInt(length).putShort(type).putShort((short) flags).putInt(seq).putInt(0);
    }

    /** struct inet_diag_req_v2 up to its sockid: family, protocol, extensions, pad, states. */
    public static void requestV2(ByteBuffer b, int family, int protocol, int extensions, int states) {
        b.put((byte) family).put((byte) protocol).put((byte) extensions).put((byte) 0);
        b.putInt(states);
    }

    /** struct inet_diag_sockid: ports (network order), addresses (16 bytes each), interface, cookie. */
    public static void sockid(ByteBuffer b, int sport, int dport, byte[] src, byte[] dst, int ifindex, long cookie) {
        b.order(ByteOrder.BIG_ENDIAN).putShort((short) sport).putShort((short) dport).order(ByteOrder.nativeOrder());
        address(b, src);
        address(b, dst);
        b.putInt(ifindex);
        b.putInt((int) cookie).putInt((int) (cookie >>> 32));
    }

    /** 16 bytes: the address (4 for IPv4), zero-padded. */
    private static void address(ByteBuffer b, byte[] a) {
        int n = Math.min(16, a.length);
        b.put(a, 0, n);
        for (int i = n; i < 16; i++) b.put((byte) 0);
    }

    // ---- struct inet_diag_msg ------------------------------------------------------------------

    public static int family(ByteBuffer m) {
        return m.get(0) & 0xff;
    }

    public static TcpState state(ByteBuffer m) {
        return TcpState.fromKernelCode(m.get(1) & 0xff);
    }

    public static int timer(ByteBuffer m) {
        return m.get(2) & 0xff;
    }

    public static int retrans(ByteBuffer m) {
        return m.get(3) & 0xff;
    }

    public static int sport(ByteBuffer m) {
        return port(m, SOCKID);
    }

    public static int dport(ByteBuffer m) {
        return port(m, SOCKID + 2);
    }

    private static int port(ByteBuffer m, int at) {
        return ((m.get(at) & 0xff) << 8) | (m.get(at + 1) & 0xff);
    }

    /** Offset of the local (0) or remote (1) address: 16 bytes, IPv4 in the first 4. */
    public static int address(int end) {
        return SOCKID + 4 + 16 * end;
    }

    public static int ifindex(ByteBuffer m) {
        return m.getInt(SOCKID + 36);
    }

    public static long cookie(ByteBuffer m) {
        return (Integer.toUnsignedLong(m.getInt(SOCKID + 44)) << 32) | Integer.toUnsignedLong(m.getInt(SOCKID + 40));
    }

    public static long expires(ByteBuffer m) {
        return Integer.toUnsignedLong(m.getInt(52));
    }

    public static long rqueue(ByteBuffer m) {
        return Integer.toUnsignedLong(m.getInt(56));
    }

    public static long wqueue(ByteBuffer m) {
        return Integer.toUnsignedLong(m.getInt(60));
    }

    public static long inode(ByteBuffer m) {
        return Integer.toUnsignedLong(m.getInt(68));
    }

    /** The request's attribute asking for the values of the stamp map beside each socket: nested {SK_DIAG_BPF_STORAGE_REQ_MAP_FD u32}. */
    public static int storageRequest(ByteBuffer req, int stampMap) {
        if (stampMap < 0) return 0;
        req.putShort((short) 12).putShort((short) (REQ_STORAGES | 0x8000)).putShort((short) 8).putShort((short) 1).putInt(stampMap);
        return 12;
    }

    /**
     * The stamp in INET_DIAG_SK_BPF_STORAGES (from {@code at} to {@code end}): SK_DIAG_BPF_STORAGE
     * {MAP_ID (2), MAP_VALUE (3): struct hck_stamp {u64 boot_ns; u32 state; u32 from}}, or null.
     */
    public static Stamp stamp(ByteBuffer m, int at, int end, long bootNs) {
        for (int x = at; x + 4 <= end; x += (Short.toUnsignedInt(m.getShort(x)) + 3) & ~3) {
            int xlen = Short.toUnsignedInt(m.getShort(x));
            if (xlen < 4) return null;
            for (int y = x + 4; y + 4 <= x + xlen; y += (Short.toUnsignedInt(m.getShort(y)) + 3) & ~3) {
                int ylen = Short.toUnsignedInt(m.getShort(y));
                if (ylen < 4) return null;
                if ((m.getShort(y + 2) & 0x3fff) == 3 && ylen >= 4 + 16) {
                    long entered = m.getLong(y + 4);
                    TcpState state = TcpState.fromKernelCode(m.getInt(y + 12)), from = TcpState.fromKernelCode(m.getInt(y + 16));
                    return state == null ? null : new Stamp(state, from, Math.max(0, (bootNs - entered) / 1_000_000));
                }
            }
        }
        return null;
    }
}
