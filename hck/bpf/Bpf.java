package hck.bpf;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import hck.sys.LibC;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The bpf(2) commands hck uses, through JNA, with {@code union bpf_attr} written at the offsets of
 * linux/bpf.h. Each failure is a {@link Failed} naming the command and the errno; a program the
 * verifier refused carries the verifier's log.
 */
public final class Bpf {
    static final int MAP_CREATE = 0, PROG_LOAD = 5, OBJ_PIN = 6, OBJ_GET = 7, PROG_GET_NEXT_ID = 11,
            PROG_GET_FD_BY_ID = 13, OBJ_GET_INFO_BY_FD = 15, RAW_TRACEPOINT_OPEN = 17, BTF_LOAD = 18, LINK_CREATE = 28,
            ENABLE_STATS = 32, ITER_CREATE = 33, MAP_UPDATE_BATCH = 26;
    static final int PROG_TYPE_TRACING = 26, TRACE_RAW_TP = 23, TRACE_ITER = 28;
    static final int MAP_TYPE_HASH = 1, MAP_TYPE_SK_STORAGE = 24, F_NO_PREALLOC = 1;
    /** sizeof(union bpf_attr) on 6.x; older kernels accept a longer attr whose tail is zero. */
    private static final int ATTR = 144;

    /** A bpf(2) command the kernel refused. */
    public static final class Failed extends Exception {
        public final int errno;

        Failed(String what, int errno, String log) {
            super(what + ": " + LibC.errnoName(errno) + (log == null || log.isBlank() ? "" : " (" + lastLine(log) + ")"));
            this.errno = errno;
        }

        private static String lastLine(String log) {
            String[] lines = log.strip().split("\n");
            return lines[lines.length - 1];
        }
    }

    private Bpf() {}

    /** The bpf(2) number of this machine's architecture, or -1 where hck does not know it. */
    static long syscallNumber() {
        return switch (System.getProperty("os.arch", "").toLowerCase(Locale.ROOT)) {
            case "amd64", "x86_64" -> 321;
            case "aarch64", "arm64", "riscv64", "loongarch64" -> 280;
            case "ppc64le", "ppc64" -> 361;
            case "s390x" -> 351;
            default -> -1;
        };
    }

    static Memory attr() {
        Memory a = new Memory(ATTR);
        a.clear();
        return a;
    }

    static int call(int cmd, Memory attr, String what) throws Failed {
        return call(cmd, attr, what, null);
    }

    static int call(int cmd, Memory attr, String what, Memory log) throws Failed {
        long nr = syscallNumber();
        if (nr < 0) throw new Failed(what + " on " + System.getProperty("os.arch"), LibC.ENOSYS, null);
        try {
            return (int) LibC.c().syscall(nr, cmd, attr, ATTR);
        } catch (LastErrorException e) {
            throw new Failed(what, e.getErrorCode(), log == null ? null : log.getString(0));
        }
    }

    static Memory cString(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        Memory m = new Memory(b.length + 1);
        m.write(0, b, 0, b.length);
        m.setByte(b.length, (byte) 0);
        return m;
    }

    /** BPF_BTF_LOAD: a BTF blob for a map's key and value types. */
    static int loadBtf(byte[] blob) throws Failed {
        Memory btf = new Memory(blob.length), log = new Memory(1 << 16);
        btf.write(0, blob, 0, blob.length);
        log.clear();
        Memory a = attr();
        a.setLong(0, Pointer.nativeValue(btf));
        a.setLong(8, Pointer.nativeValue(log));
        a.setInt(16, blob.length);
        a.setInt(20, (int) log.size());
        a.setInt(24, 1);
        return call(BTF_LOAD, a, "loading the map's BTF", log);
    }

    /** BPF_MAP_CREATE; {@code btfFd} 0 for none. */
    static int createMap(int type, int keySize, int valueSize, int maxEntries, int flags, String name, int btfFd, int keyType, int valueType)
            throws Failed {
        Memory a = attr();
        a.setInt(0, type);
        a.setInt(4, keySize);
        a.setInt(8, valueSize);
        a.setInt(12, maxEntries);
        a.setInt(16, flags);
        a.setString(28, name, "ASCII");
        a.setInt(48, btfFd);
        a.setInt(52, keyType);
        a.setInt(56, valueType);
        return call(MAP_CREATE, a, "creating map " + name);
    }

    /** BPF_PROG_LOAD of a BPF_PROG_TYPE_TRACING program attached by BTF type id. */
    static int loadTracing(String name, long[] insns, int attachType, int attachBtfId) throws Failed {
        Memory code = new Memory(8L * insns.length), license = cString("GPL"), log = new Memory(1 << 20);
        for (int i = 0; i < insns.length; i++) code.setLong(8L * i, insns[i]);
        log.clear();
        Memory a = attr();
        a.setInt(0, PROG_TYPE_TRACING);
        a.setInt(4, insns.length);
        a.setLong(8, Pointer.nativeValue(code));
        a.setLong(16, Pointer.nativeValue(license));
        a.setInt(24, 1);
        a.setInt(28, (int) log.size());
        a.setLong(32, Pointer.nativeValue(log));
        a.setString(48, name, "ASCII");
        a.setInt(68, attachType);
        a.setInt(108, attachBtfId);
        return call(PROG_LOAD, a, "loading program " + name, log);
    }

    /** BPF_RAW_TRACEPOINT_OPEN with no name: the tp_btf program's own attach point. A link. */
    static int attachRawTracepoint(int progFd) throws Failed {
        Memory a = attr();
        a.setInt(8, progFd);
        return call(RAW_TRACEPOINT_OPEN, a, "attaching to the tracepoint");
    }

    /** BPF_LINK_CREATE for an iterator program; then {@link #iterate} opens a pass over it. */
    static int iteratorLink(int progFd) throws Failed {
        Memory a = attr();
        a.setInt(0, progFd);
        a.setInt(8, TRACE_ITER);
        return call(LINK_CREATE, a, "linking the iterator");
    }

    /** BPF_ITER_CREATE: a file whose read() runs the iterator. */
    static int iterate(int linkFd) throws Failed {
        Memory a = attr();
        a.setInt(0, linkFd);
        return call(ITER_CREATE, a, "starting the iterator");
    }

    /** BPF_MAP_UPDATE_BATCH: {@code count} keys and values at once (5.6+), one syscall for a whole candidate set. */
    static void updateBatch(int mapFd, Memory keys, Memory values, int count) throws Failed {
        Memory a = attr();
        a.setLong(16, Pointer.nativeValue(keys));
        a.setLong(24, Pointer.nativeValue(values));
        a.setInt(32, count);
        a.setInt(36, mapFd);
        call(MAP_UPDATE_BATCH, a, "filling a map");
    }

    static void pin(int fd, String path) throws Failed {
        Memory p = cString(path), a = attr();
        a.setLong(0, Pointer.nativeValue(p));
        a.setInt(8, fd);
        call(OBJ_PIN, a, "pinning " + path);
    }

    /** BPF_OBJ_GET: an fd for what is pinned at {@code path}. */
    public static int get(String path) throws Failed {
        Memory p = cString(path), a = attr();
        a.setLong(0, Pointer.nativeValue(p));
        return call(OBJ_GET, a, "opening " + path);
    }

    /** BPF_OBJ_GET_INFO_BY_FD into {@code size} bytes (struct bpf_prog_info, bpf_link_info, bpf_map_info). */
    static Memory info(int fd, int size) throws Failed {
        Memory out = new Memory(size), a = attr();
        out.clear();
        a.setInt(0, fd);
        a.setInt(4, size);
        a.setLong(8, Pointer.nativeValue(out));
        call(OBJ_GET_INFO_BY_FD, a, "reading an object's info");
        return out;
    }

    /** A loaded program as the kernel counts it: name, id, boot time of the load, and, while stats are on, its run time and runs. */
    public record ProgInfo(int id, String name, long loadTimeBootNs, long runTimeNs, long runCount, int[] mapIds) {}

    public static ProgInfo progInfo(int fd) throws Failed {
        Memory maps = new Memory(4 * 8);
        maps.clear();
        Memory out = new Memory(232), a = attr();
        out.clear();
        out.setInt(52, 8);
        out.setLong(56, Pointer.nativeValue(maps));
        a.setInt(0, fd);
        a.setInt(4, (int) out.size());
        a.setLong(8, Pointer.nativeValue(out));
        call(OBJ_GET_INFO_BY_FD, a, "reading a program's info");
        int n = Math.min(8, out.getInt(52));
        return new ProgInfo(out.getInt(4), out.getString(64, "ASCII"), out.getLong(40), out.getLong(192), out.getLong(200), maps.getIntArray(0, n));
    }

    /** The ids of every loaded program (BPF_PROG_GET_NEXT_ID), and an fd for one of them. */
    public static int nextProgId(int after) throws Failed {
        Memory a = attr();
        a.setInt(0, after);
        call(PROG_GET_NEXT_ID, a, "listing programs");
        return a.getInt(4);
    }

    public static int progById(int id) throws Failed {
        Memory a = attr();
        a.setInt(0, id);
        return call(PROG_GET_FD_BY_ID, a, "opening program " + id);
    }

    /** BPF_ENABLE_STATS(BPF_STATS_RUN_TIME): run time is counted while the returned fd is open. */
    public static int enableRunTimeStats() throws Failed {
        return call(ENABLE_STATS, attr(), "enabling run-time stats");
    }

    public static void close(int fd) {
        if (fd >= 0) LibC.c().close(fd);
    }
}
