package hck.sys;

import hck.io.ProcFiles;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/** Facts of the host and of the calling thread's network namespace, read from /proc. */
public final class Host {
    private Host() {}

    /** The UTS hostname (as hostname(1) prints it), else $HOSTNAME. */
    public static String name() {
        String h = read("/proc/sys/kernel/hostname", null);
        return h != null ? h : System.getenv().getOrDefault("HOSTNAME", "unknown");
    }

    /** net.ipv4.tcp_fin_timeout of this network namespace: the life of an orphaned FIN_WAIT2 socket. */
    public static Duration finTimeout() {
        try {
            return Duration.ofSeconds(Long.parseLong(read("/proc/sys/net/ipv4/tcp_fin_timeout", "60")));
        } catch (NumberFormatException e) {
            return Duration.ofSeconds(60);
        }
    }

    /** net.ipv4.ip_local_port_range of this network namespace: the ports connect() picks from. */
    public static int[] localPortRange() {
        try {
            String[] f = read("/proc/sys/net/ipv4/ip_local_port_range", "32768 60999").trim().split("\\s+");
            return new int[] {Integer.parseInt(f[0]), Integer.parseInt(f[1])};
        } catch (RuntimeException e) {
            return new int[] {32768, 60999};
        }
    }

    /** net.ipv4.ip_local_reserved_ports of this network namespace ("8080,9000-9010"): never picked by connect(). */
    public static java.util.BitSet reservedPorts() {
        java.util.BitSet out = new java.util.BitSet(65536);
        for (String part : read("/proc/sys/net/ipv4/ip_local_reserved_ports", "").trim().split(",")) {
            try {
                int dash = part.indexOf('-');
                if (part.isBlank()) continue;
                int from = Integer.parseInt(dash < 0 ? part.trim() : part.substring(0, dash).trim());
                int to = dash < 0 ? from : Integer.parseInt(part.substring(dash + 1).trim());
                out.set(from, to + 1);
            } catch (RuntimeException e) {
                // not a port list
            }
        }
        return out;
    }

    private static String read(String path, String fallback) {
        try {
            return ProcFiles.read(Path.of(path)).trim();
        } catch (IOException e) {
            return fallback;
        }
    }
}
