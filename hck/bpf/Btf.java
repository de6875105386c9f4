package hck.bpf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The kernel's own type information (/sys/kernel/btf/vmlinux, BTF format of linux/btf.h), read for
 * what a hand-assembled program needs: the id of the function or typedef it attaches to, and the
 * offset of each field it reads, as this kernel lays them out (no fixed offsets, no clang).
 */
final class Btf {
    static final Path VMLINUX = Path.of("/sys/kernel/btf/vmlinux");
    static final int KIND_STRUCT = 4, KIND_TYPEDEF = 8, KIND_FUNC = 12;

    private final ByteBuffer b;
    private final int strings;
    /** Where each type's record starts, by id (id 0 is void). */
    private final int[] at;

    private Btf(ByteBuffer b) {
        if ((b.getShort(0) & 0xffff) != 0xEB9F) throw new IllegalArgumentException("not BTF (magic " + Integer.toHexString(b.getShort(0) & 0xffff) + ")");
        this.b = b;
        int hdr = b.getInt(4), types = hdr + b.getInt(8), typesEnd = types + b.getInt(12);
        strings = hdr + b.getInt(16);
        int[] starts = new int[1 << 17];
        int n = 1;
        for (int p = types; p < typesEnd; n++) {
            if (n == starts.length) starts = Arrays.copyOf(starts, n * 2);
            starts[n] = p;
            p += 12 + extra(b.getInt(p + 4));
        }
        at = Arrays.copyOf(starts, n);
    }

    static Btf vmlinux() throws IOException {
        return new Btf(ByteBuffer.wrap(Files.readAllBytes(VMLINUX)).order(ByteOrder.nativeOrder()));
    }

    /** The bytes after a type's 12-byte record, by its kind (linux/btf.h). */
    private static int extra(int info) {
        int vlen = info & 0xffff;
        return switch ((info >>> 24) & 0x1f) {
            case 1, 14, 17 -> 4;            // INT, VAR, DECL_TAG
            case 3 -> 12;                   // ARRAY
            case 4, 5, 15, 19 -> 12 * vlen; // STRUCT, UNION, DATASEC, ENUM64
            case 6, 13 -> 8 * vlen;         // ENUM, FUNC_PROTO
            default -> 0;                   // PTR, FWD, TYPEDEF, VOLATILE, CONST, RESTRICT, FUNC, FLOAT, TYPE_TAG
        };
    }

    private static int kind(int info) {
        return (info >>> 24) & 0x1f;
    }

    private boolean nameIs(int nameOff, byte[] name) {
        int p = strings + nameOff;
        for (int i = 0; i < name.length; i++) if (b.get(p + i) != name[i]) return false;
        return b.get(p + name.length) == 0;
    }

    /** The id of the first type of {@code kind} named {@code name}, or -1. */
    int id(int kind, String name) {
        byte[] n = name.getBytes(StandardCharsets.US_ASCII);
        for (int id = 1; id < at.length; id++) {
            int p = at[id];
            if (kind(b.getInt(p + 4)) == kind && nameIs(b.getInt(p), n)) return id;
        }
        return -1;
    }

    /** The byte offset of {@code member} in struct {@code struct}, or -1 (a bitfield is refused: its byte is not its own). */
    int offset(String struct, String member) {
        int id = id(KIND_STRUCT, struct);
        if (id < 0) return -1;
        int p = at[id], info = b.getInt(p + 4);
        boolean kflag = info < 0;
        byte[] m = member.getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < (info & 0xffff); i++) {
            int mp = p + 12 + 12 * i, bits = b.getInt(mp + 8);
            if (!nameIs(b.getInt(mp), m)) continue;
            int bitOffset = kflag ? bits & 0xffffff : bits;
            if ((kflag && (bits >>> 24) != 0) || bitOffset % 8 != 0) return -1;
            return bitOffset / 8;
        }
        return -1;
    }

    /** Like {@link #offset}, failing with a message that names what this kernel lacks. */
    int required(String struct, String member) {
        int off = offset(struct, member);
        if (off < 0) throw new IllegalStateException("the kernel's BTF has no " + struct + "." + member);
        return off;
    }

    int requiredId(int kind, String name) {
        int id = id(kind, name);
        if (id < 0) throw new IllegalStateException("the kernel's BTF has no " + name);
        return id;
    }
}
