package hck.io;

import java.nio.file.Path;

/**
 * Where the host's files are: {@code /}, or the directory given with {@code --host-root} when hck
 * runs in a container with the host's root mounted there (node_exporter's {@code --path.rootfs}).
 * The one place that applies it: the runtimes' state and storage, /run/netns. /proc is never
 * moved: it is the host's through the host PID namespace.
 */
public final class HostRoot {
    private static volatile Path root = Path.of("/");

    private HostRoot() {}

    /** Set once, before the scan, from --host-root. */
    public static void set(Path dir) {
        root = dir.toAbsolutePath().normalize();
    }

    /** {@code absolute} (e.g. /run/crun) as seen from hck: under the host root when one is given. */
    public static Path of(String absolute) {
        Path r = root;
        return r.getNameCount() == 0 ? Path.of(absolute) : r.resolve(absolute.substring(1));
    }

    public static Path root() {
        return root;
    }
}
