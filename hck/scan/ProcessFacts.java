package hck.scan;

import hck.io.ProcFiles;
import hck.io.ProcStat;

import java.io.IOException;
import java.nio.file.Path;

/**
 * What the fd forecast needs of a process holding hung sockets, read only for those (proc(5)):
 * its soft RLIMIT_NOFILE and its start time, which with the PID names the process across runs (a
 * reused PID is a new process).
 */
public record ProcessFacts(long pid, long fdLimit, long startTicks) {
    /** No limit ("unlimited") or none readable. */
    public static final long UNKNOWN = -1;

    public static ProcessFacts read(long pid) {
        Path dir = Path.of("/proc", Long.toString(pid));
        ProcStat stat = ProcStat.read(pid);
        return new ProcessFacts(pid, softNofile(dir), stat == null ? UNKNOWN : stat.startTicks());
    }

    /** "Max open files            1024                 524288               files" */
    static long softNofile(Path dir) {
        try {
            for (String line : ProcFiles.read(dir.resolve("limits")).split("\n")) {
                if (!line.startsWith("Max open files")) continue;
                String[] f = line.substring("Max open files".length()).trim().split("\\s+");
                return f[0].equals("unlimited") ? UNKNOWN : Long.parseLong(f[0]);
            }
        } catch (IOException | RuntimeException e) {
            // exited, or not ours to read
        }
        return UNKNOWN;
    }
}
