package hck.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The fields hck reads of /proc/PID/stat (proc(5)): the state letter, the flags (PF_KTHREAD marks a
 * kernel thread) and the start time in clock ticks, which with the PID names one process (a reused
 * PID is another process). The one reader of that file.
 */
public record ProcStat(char state, long flags, long startTicks) {
    private static final long PF_KTHREAD = 0x00200000L;

    /** @return the process's fields, or null when it exited (or its stat cannot be read) */
    public static ProcStat read(long pid) {
        try {
            return parse(ProcFiles.read(Path.of("/proc", Long.toString(pid), "stat")));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** The fields counted after the ')' that ends the name, which may itself hold spaces and parentheses. */
    static ProcStat parse(String stat) {
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return new ProcStat(f[0].charAt(0), Long.parseLong(f[6]), Long.parseLong(f[19]));
    }

    public boolean kernelThread() {
        return (flags & PF_KTHREAD) != 0;
    }

    /** A zombie (Z) or dead (X) process: its file descriptors are closed. */
    public boolean ended() {
        return state == 'Z' || state == 'X';
    }
}
