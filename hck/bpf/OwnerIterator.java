package hck.bpf;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.NativeLong;
import hck.io.Credentials;
import hck.sys.KernelInfo;
import hck.sys.LibC;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Who holds which socket, found by the kernel: an {@code iter/task_file} program walks every
 * process's open files and writes (PID, fd, inode) only for the sockets whose inodes hck put in
 * its map — one read() where the /proc walk reads a link per descriptor of every process. Loaded
 * for the run and gone with it (nothing pinned). Threads sharing their process's files are
 * visited once (the kernel skips them), as /proc/PID/fd lists them once.
 *
 * <p>In C: {@code if (!file || !task) return 0; inode = file->f_inode; if (!inode || (inode->i_mode & S_IFMT)
 * != S_IFSOCK) return 0; ino = inode->i_ino; if (!bpf_map_lookup_elem(&wanted, &ino)) return 0;
 * bpf_seq_write(meta->seq, &(struct {u32 tgid, fd; u64 ino;}) {task->tgid, fd, ino}, 16);}
 */
public final class OwnerIterator {
    static final String NAME = "hck_owners";
    /** struct bpf_iter__task_file: the iterator ABI (__bpf_md_ptr members, 8 bytes each): meta, task, fd, file. */
    private static final int CTX_META = 0, CTX_TASK = 8, CTX_FD = 16, CTX_FILE = 24;
    /** PROC_PID_INIT_INO: the inode of the machine's own PID namespace, the same on every Linux. */
    static final long INIT_PID_NS = 0xEFFFFFFCL;
    private static final int HELPER_MAP_LOOKUP = 1, HELPER_SEQ_WRITE = 127, S_IFMT = 0xF000, S_IFSOCK = 0xC000;

    /** What the walk found: {@code count} matches, each PID, fd and socket inode, in the kernel's order. */
    public record Found(int count, long[] pids, int[] fds, long[] inodes) {}

    private OwnerIterator() {}

    /**
     * Why the kernel cannot walk the files for hck here, or null: it needs Linux 5.8 with BTF,
     * CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN), and the machine's own PID namespace (the kernel
     * gives PIDs as the machine numbers them; /proc must number them the same).
     */
    public static String unavailable(String release) {
        if (!KernelInfo.atLeast(release, 5, 8)) return "Linux " + release + " has no task_file iterator (5.8+)";
        String why = Stamps.privileges();
        if (why != null) return why;
        // the kernel gives each task's tgid as the machine's own PID namespace numbers it: hck must
        // be in that namespace, and /proc must be its (a /proc of a child namespace numbers anew)
        try {
            if (!Files.readSymbolicLink(Path.of("/proc/self/ns/pid")).toString().equals("pid:[" + INIT_PID_NS + "]")) {
                return "hck runs in a PID namespace of its own";
            }
            if (!Files.readSymbolicLink(Path.of("/proc/self")).toString().equals(Long.toString(ProcessHandle.current().pid()))) {
                return "/proc is not of hck's PID namespace";
            }
        } catch (IOException | UnsupportedOperationException e) {
            return "cannot read /proc/self/ns/pid";
        }
        return null;
    }

    /** The holders of {@code inodes} (distinct socket inodes), in one walk of every process's files. */
    public static Found find(long[] inodes) throws Bpf.Failed, IOException {
        Btf btf = Btf.vmlinux();
        int target = btf.requiredId(Btf.KIND_FUNC, "bpf_iter_task_file");
        int fInode = btf.required("file", "f_inode"), iMode = btf.required("inode", "i_mode"), iIno = btf.required("inode", "i_ino");
        int tgid = btf.required("task_struct", "tgid");
        int map = Bpf.createMap(Bpf.MAP_TYPE_HASH, 8, 1, Math.max(1, inodes.length), 0, "hck_wanted", 0, 0, 0);
        int prog = -1, link = -1, iter = -1;
        try {
            fill(map, inodes);
            prog = Bpf.loadTracing(NAME, instructions(map, fInode, iMode, iIno, tgid), Bpf.TRACE_ITER, target);
            link = Bpf.iteratorLink(prog);
            iter = Bpf.iterate(link);
            return read(iter, inodes.length);
        } finally {
            Bpf.close(iter);
            Bpf.close(link);
            Bpf.close(prog);
            Bpf.close(map);
        }
    }

    private static void fill(int map, long[] inodes) throws Bpf.Failed {
        if (inodes.length == 0) return;
        Memory keys = new Memory(8L * inodes.length), values = new Memory(inodes.length);
        keys.write(0, inodes, 0, inodes.length);
        values.clear();
        Bpf.updateBatch(map, keys, values, inodes.length);
    }

    private static Found read(int iter, int expected) throws IOException {
        ByteBuffer buf = ByteBuffer.allocateDirect(1 << 16).order(ByteOrder.nativeOrder());
        int cap = Math.max(16, expected), n = 0;
        long[] pids = new long[cap], inodes = new long[cap];
        int[] fds = new int[cap];
        while (true) {
            int got;
            try {
                got = LibC.c().read(iter, buf, new NativeLong(buf.capacity() - buf.capacity() % 16)).intValue();
            } catch (LastErrorException e) {
                throw new IOException("reading the owner iterator: " + LibC.errnoName(e.getErrorCode()));
            }
            if (got <= 0) break;
            for (int at = 0; at + 16 <= got; at += 16) {
                if (n == pids.length) {
                    pids = java.util.Arrays.copyOf(pids, n * 2);
                    fds = java.util.Arrays.copyOf(fds, n * 2);
                    inodes = java.util.Arrays.copyOf(inodes, n * 2);
                }
                pids[n] = Integer.toUnsignedLong(buf.getInt(at));
                fds[n] = buf.getInt(at + 4);
                inodes[n++] = buf.getLong(at + 8);
            }
        }
        return new Found(n, pids, fds, inodes);
    }

    static long[] instructions(int mapFd, int fInode, int iMode, int iIno, int tgid) {
        long[] p = {
            StampProgram.insn(0xbf, 6, 1, 0, 0),                 //  0 r6 = ctx
            StampProgram.insn(0x79, 7, 6, CTX_FILE, 0),          //  1 r7 = ctx->file
            StampProgram.insn(0x15, 7, 0, 27, 0),                //  2 if r7 == NULL goto out
            StampProgram.insn(0x79, 8, 6, CTX_TASK, 0),          //  3 r8 = ctx->task
            StampProgram.insn(0x15, 8, 0, 25, 0),                //  4 if r8 == NULL goto out
            StampProgram.insn(0x79, 1, 7, fInode, 0),            //  5 r1 = file->f_inode
            StampProgram.insn(0x15, 1, 0, 23, 0),                //  6 if r1 == NULL goto out
            StampProgram.insn(0x69, 2, 1, iMode, 0),             //  7 r2 = inode->i_mode (u16)
            StampProgram.insn(0x57, 2, 0, 0, S_IFMT),            //  8 r2 &= S_IFMT
            StampProgram.insn(0x55, 2, 0, 20, S_IFSOCK),         //  9 if r2 != S_IFSOCK goto out
            StampProgram.insn(0x79, 3, 1, iIno, 0),              // 10 r3 = inode->i_ino
            StampProgram.insn(0x7b, 10, 3, -8, 0),               // 11 *(u64 *)(fp - 8) = r3
            StampProgram.insn(0x18, 1, 1, 0, mapFd),             // 12 r1 = &wanted (ld_imm64, BPF_PSEUDO_MAP_FD)
            StampProgram.insn(0x00, 0, 0, 0, 0),                 // 13
            StampProgram.insn(0xbf, 2, 10, 0, 0),                // 14 r2 = fp
            StampProgram.insn(0x07, 2, 0, 0, -8),                // 15 r2 += -8
            StampProgram.insn(0x85, 0, 0, 0, HELPER_MAP_LOOKUP), // 16 r0 = bpf_map_lookup_elem(r1, r2)
            StampProgram.insn(0x15, 0, 0, 12, 0),                // 17 if r0 == NULL goto out
            StampProgram.insn(0x61, 1, 8, tgid, 0),              // 18 r1 = task->tgid (u32)
            StampProgram.insn(0x63, 10, 1, -24, 0),              // 19 *(u32 *)(fp - 24) = r1
            StampProgram.insn(0x61, 1, 6, CTX_FD, 0),            // 20 r1 = ctx->fd
            StampProgram.insn(0x63, 10, 1, -20, 0),              // 21 *(u32 *)(fp - 20) = r1
            StampProgram.insn(0x79, 1, 10, -8, 0),               // 22 r1 = ino
            StampProgram.insn(0x7b, 10, 1, -16, 0),              // 23 *(u64 *)(fp - 16) = r1
            StampProgram.insn(0x79, 1, 6, CTX_META, 0),          // 24 r1 = ctx->meta
            StampProgram.insn(0x79, 1, 1, 0, 0),                 // 25 r1 = meta->seq
            StampProgram.insn(0xbf, 2, 10, 0, 0),                // 26 r2 = fp
            StampProgram.insn(0x07, 2, 0, 0, -24),               // 27 r2 += -24
            StampProgram.insn(0xb7, 3, 0, 0, 16),                // 28 r3 = 16
            StampProgram.insn(0x85, 0, 0, 0, HELPER_SEQ_WRITE),  // 29 bpf_seq_write(r1, r2, r3)
            StampProgram.insn(0xb7, 0, 0, 0, 0),                 // 30 out: r0 = 0
            StampProgram.insn(0x95, 0, 0, 0, 0),                 // 31 exit
        };
        return p;
    }
}
