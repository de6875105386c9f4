package hck.scan;

import hck.io.Credentials;
import hck.io.ProcFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The processes whose open files hck could not read, each with the reason it can find: hck not
 * root (nor CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH), the process in another user namespace, or —
 * as root in the same one — the kernel's ptrace check refusing (a process that is not dumpable, a
 * security module) with the module's label where /proc shows one.
 */
public record Unreadable(long pid, String name, String reason) {
    /** How many the warning names; -v lists all. */
    public static final int NAMED = 3;

    public static List<Unreadable> of(Collection<Long> pids) {
        return pids.stream().sorted().map(Unreadable::of).toList();
    }

    static Unreadable of(long pid) {
        return new Unreadable(pid, comm(pid), reason(pid));
    }

    static String reason(long pid) {
        if (Credentials.euid() != 0) return "hck is not root (it needs CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH)";
        String mine = ns("self"), theirs = ns(Long.toString(pid));
        if (mine != null && theirs != null && !mine.equals(theirs)) return "it runs in another user namespace (" + theirs + ")";
        String label = label(pid);
        if (label != null) return "a security module confines it (" + label + ")";
        return "the kernel refused even root (a process that is not dumpable, or a security module)";
    }

    /** The warning: how many, the first few named with their reasons; -v gets them all from {@link #line}. */
    public static String warning(List<Unreadable> all) {
        String named = all.stream().limit(NAMED).map(Unreadable::line).collect(Collectors.joining("; "));
        return "could not read the open files of " + all.size() + " processes: " + named + (all.size() > NAMED ? "; and " + (all.size() - NAMED)
                + " more (-v lists them)" : "") + ": sockets they may hold show no owner and are not touched";
    }

    /** {@code PID 1 (systemd): it runs in another user namespace (user:[4026532193])} */
    public String line() {
        return "PID " + pid + " (" + (name == null ? "?" : name) + "): " + reason;
    }

    private static String comm(long pid) {
        try {
            return ProcFiles.read(Path.of("/proc", Long.toString(pid), "comm")).strip();
        } catch (IOException e) {
            return null;
        }
    }

    private static String ns(String pid) {
        try {
            return Files.readSymbolicLink(Path.of("/proc", pid, "ns", "user")).toString();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** The LSM label /proc shows (AppArmor, SELinux), unless unconfined. */
    private static String label(long pid) {
        for (String f : new String[] {"attr/apparmor/current", "attr/current"}) {
            try {
                String l = ProcFiles.read(Path.of("/proc", Long.toString(pid), f)).replace("\0", "").strip();
                if (!l.isEmpty() && !l.startsWith("unconfined")) return l;
            } catch (IOException | RuntimeException e) {
                // no such module here
            }
        }
        return null;
    }
}
