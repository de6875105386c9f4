package hck.bpf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The stamp program, assembled here: on {@code tp_btf/inet_sock_set_state} it stores, for a TCP
 * socket entering FIN_WAIT1, FIN_WAIT2, CLOSE_WAIT, LAST_ACK or CLOSING, the CLOCK_BOOTTIME time
 * of entry with the new and the old state in the socket's own storage (a
 * {@code BPF_MAP_TYPE_SK_STORAGE} map), which sock_diag dumps beside each socket. A re-announced
 * state (close() after shutdown(): old == new) keeps the first entry's time.
 *
 * <p>In C: {@code if (old == new || new > 15 || !((1 << new) & CLOSING) || sk->sk_protocol != IPPROTO_TCP) return 0;
 * s = bpf_sk_storage_get(&map, sk, 0, F_CREATE); if (s) *s = (struct stamp) {bpf_ktime_get_boot_ns(), new, old};}
 */
final class StampProgram {
    static final String NAME = "hck_stamp", MAP = "hck_stamps";
    /** struct hck_stamp { __u64 boot_ns; __u32 state; __u32 from; } */
    static final int VALUE_SIZE = 16;
    /** Bits TCP_FIN_WAIT1 (4), FIN_WAIT2 (5), CLOSE_WAIT (8), LAST_ACK (9), CLOSING (11). */
    static final int CLOSING_STATES = (1 << 4) | (1 << 5) | (1 << 8) | (1 << 9) | (1 << 11);
    private static final int HELPER_SK_STORAGE_GET = 107, HELPER_KTIME_GET_BOOT_NS = 125;

    /** The map, the program, and its link: fds this process holds until they are pinned or closed. */
    record Loaded(int mapFd, int progFd, int linkFd) implements AutoCloseable {
        @Override
        public void close() {
            Bpf.close(linkFd);
            Bpf.close(progFd);
            Bpf.close(mapFd);
        }
    }

    private StampProgram() {}

    /** Loads the map and the program and attaches it: from here on every state change is stamped. */
    static Loaded load(Btf vmlinux) throws Bpf.Failed {
        int target = vmlinux.requiredId(Btf.KIND_TYPEDEF, "btf_trace_inet_sock_set_state");
        int protocol = vmlinux.required("sock", "sk_protocol");
        int btf = Bpf.loadBtf(valueBtf());
        int map = -1, prog = -1;
        try {
            map = Bpf.createMap(Bpf.MAP_TYPE_SK_STORAGE, 4, VALUE_SIZE, 0, Bpf.F_NO_PREALLOC, MAP, btf, 1, 3);
            prog = Bpf.loadTracing(NAME, instructions(map, protocol), Bpf.TRACE_RAW_TP, target);
            return new Loaded(map, prog, Bpf.attachRawTracepoint(prog));
        } catch (Bpf.Failed e) {
            Bpf.close(prog);
            Bpf.close(map);
            throw e;
        } finally {
            Bpf.close(btf); // the map keeps its own reference
        }
    }

    /** One instruction: opcode, registers, offset, immediate (struct bpf_insn, little-endian registers nibbles). */
    static long insn(int op, int dst, int src, int off, int imm) {
        return (op & 0xffL) | ((long) (dst | (src << 4)) << 8) | ((long) (off & 0xffff) << 16) | ((long) imm << 32);
    }

    static long[] instructions(int mapFd, int protocolOffset) {
        return new long[] {
            insn(0xbf, 6, 1, 0, 0),                      //  0 r6 = ctx: u64[] {sk, oldstate, newstate}
            insn(0x79, 7, 6, 8, 0),                      //  1 r7 = oldstate
            insn(0x79, 8, 6, 16, 0),                     //  2 r8 = newstate
            insn(0x1d, 7, 8, 19, 0),                     //  3 if r7 == r8 goto out
            insn(0x25, 8, 0, 18, 15),                    //  4 if r8 > 15 goto out
            insn(0xb7, 1, 0, 0, 1),                      //  5 r1 = 1
            insn(0x6f, 1, 8, 0, 0),                      //  6 r1 <<= r8
            insn(0x57, 1, 0, 0, CLOSING_STATES),         //  7 r1 &= the closing states
            insn(0x15, 1, 0, 14, 0),                     //  8 if r1 == 0 goto out
            insn(0x79, 2, 6, 0, 0),                      //  9 r2 = sk
            insn(0x69, 1, 2, protocolOffset, 0),         // 10 r1 = sk->sk_protocol (u16, BTF-checked load)
            insn(0x55, 1, 0, 11, 6),                     // 11 if r1 != IPPROTO_TCP goto out
            insn(0x18, 1, 1, 0, mapFd),                  // 12 r1 = &map (ld_imm64, BPF_PSEUDO_MAP_FD)
            insn(0x00, 0, 0, 0, 0),                      // 13
            insn(0xb7, 3, 0, 0, 0),                      // 14 r3 = NULL
            insn(0xb7, 4, 0, 0, 1),                      // 15 r4 = BPF_SK_STORAGE_GET_F_CREATE
            insn(0x85, 0, 0, 0, HELPER_SK_STORAGE_GET),  // 16 r0 = bpf_sk_storage_get(r1, r2, r3, r4)
            insn(0x15, 0, 0, 5, 0),                      // 17 if r0 == NULL goto out
            insn(0xbf, 9, 0, 0, 0),                      // 18 r9 = r0
            insn(0x85, 0, 0, 0, HELPER_KTIME_GET_BOOT_NS), // 19 r0 = bpf_ktime_get_boot_ns()
            insn(0x7b, 9, 0, 0, 0),                      // 20 s->boot_ns = r0
            insn(0x63, 9, 8, 8, 0),                      // 21 s->state = newstate
            insn(0x63, 9, 7, 12, 0),                     // 22 s->from = oldstate
            insn(0xb7, 0, 0, 0, 0),                      // 23 out: r0 = 0
            insn(0x95, 0, 0, 0, 0),                      // 24 exit
        };
    }

    /** BTF for the map: [1] int (key), [2] __u64, [3] struct hck_stamp (value), [4] __u32. */
    static byte[] valueBtf() {
        String strs = "\0int\0__u64\0hck_stamp\0boot_ns\0state\0from\0__u32\0";
        ByteBuffer t = ByteBuffer.allocate(160).order(ByteOrder.nativeOrder());
        t.putInt(strs.indexOf("int")).putInt(1 << 24).putInt(4).putInt((1 << 24) | 32);
        t.putInt(strs.indexOf("__u64")).putInt(1 << 24).putInt(8).putInt(64);
        t.putInt(strs.indexOf("hck_stamp")).putInt((4 << 24) | 3).putInt(VALUE_SIZE);
        t.putInt(strs.indexOf("boot_ns")).putInt(2).putInt(0);
        t.putInt(strs.indexOf("state")).putInt(4).putInt(64);
        t.putInt(strs.indexOf("from")).putInt(4).putInt(96);
        t.putInt(strs.indexOf("__u32")).putInt(1 << 24).putInt(4).putInt(32);
        int typeLen = t.position();
        byte[] s = strs.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer out = ByteBuffer.allocate(24 + typeLen + s.length).order(ByteOrder.nativeOrder());
        out.putShort((short) 0xEB9F).put((byte) 1).put((byte) 0).putInt(24).putInt(0).putInt(typeLen).putInt(typeLen).putInt(s.length);
        out.put(t.array(), 0, typeLen).put(s);
        return out.array();
    }
}
