package hck.support;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Preconditions of tests that need the real kernel. Outside CI a missing precondition skips the
 * test; under CI=true it fails it, because CI has root, ip netns and ansible.
 */
public final class Env {
    private Env() {}

    public static boolean ci() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    public static void require(boolean condition, String what) {
        if (condition) return;
        if (ci()) Assertions.fail("CI=true but " + what);
        Assumptions.assumeTrue(false, what);
    }

    public static void requireRoot() {
        require("root".equals(System.getProperty("user.name")), "this test needs root");
    }

    public static void requireCommand(String name) {
        require(onPath(name), "this test needs '" + name + "' on PATH");
    }

    public static boolean onPath(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name))) return true;
        }
        return false;
    }

    /**
     * Whether the running kernel is release {@code major.minor} or later, read by the test itself
     * from /proc (what the kernel can destroy is then known without asking hck).
     */
    public static boolean kernelAtLeast(int major, int minor) throws java.io.IOException {
        String[] p = Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim().split("[.-]");
        int ma = Integer.parseInt(p[0]), mi = Integer.parseInt(p[1]);
        return ma > major || (ma == major && mi >= minor);
    }

    /** Root, ip and ss: what every test in a private network namespace needs. */
    public static void requireNetns() {
        requireRoot();
        requireCommand("ip");
        requireCommand("ss");
    }
}
