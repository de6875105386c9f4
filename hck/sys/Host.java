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

    private static String read(String path, String fallback) {
        try {
            return ProcFiles.read(Path.of(path)).trim();
        } catch (IOException e) {
            return fallback;
        }
    }
}
