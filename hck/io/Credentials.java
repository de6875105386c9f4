package hck.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** This process's effective uid and capabilities, from /proc/self/status, read once (no native call). */
public final class Credentials {
    public static final int CAP_NET_ADMIN = 12, CAP_SYS_ADMIN = 21, CAP_PERFMON = 38, CAP_BPF = 39;
    private static volatile List<String> status;

    private Credentials() {}

    private static String field(String name) {
        List<String> lines = status;
        if (lines == null) {
            try {
                lines = Files.readAllLines(Path.of("/proc/self/status"));
            } catch (IOException e) {
                lines = List.of();
            }
            status = lines;
        }
        for (String line : lines) if (line.startsWith(name + ":")) return line.substring(name.length() + 1).trim();
        return null;
    }

    /** The effective uid; when /proc cannot tell, 0 for root by name, else -1. */
    public static int euid() {
        try {
            return Integer.parseInt(field("Uid").split("\\s+")[1]);
        } catch (RuntimeException e) {
            return "root".equals(System.getProperty("user.name")) ? 0 : -1;
        }
    }

    /** The seccomp mode of this process (0 none, 1 strict, 2 filter), or -1 when /proc cannot tell. */
    public static int seccomp() {
        try {
            return Integer.parseInt(field("Seccomp"));
        } catch (RuntimeException e) {
            return -1;
        }
    }

    /** Whether capability {@code bit} is in the effective set (root has them all). */
    public static boolean has(int bit) {
        try {
            return (Long.parseUnsignedLong(field("CapEff"), 16) & (1L << bit)) != 0;
        } catch (RuntimeException e) {
            return false;
        }
    }
}
