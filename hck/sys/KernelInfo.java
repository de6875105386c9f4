package hck.sys;

import hck.sys.LibC;

import hck.io.ProcFiles;
import hck.model.Sock;
import hck.model.TcpState;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * What the kernel can do for live mode. {@code sockDestroy}: probed over netlink in live mode
 * (ENOENT for a socket that cannot exist = available, EOPNOTSUPP = built without
 * CONFIG_INET_DIAG_DESTROY); in a dry run read from the kernel config when it is readable, else
 * null. TIME_WAIT destruction needs 6.0 (af9784d007d8), really closing orphans 6.11 (bac76cf89816b,
 * also in stable 5.10+, which a version cannot tell: the verification after each kill does).
 */
public record KernelInfo(String release, Boolean sockDestroy, boolean timeWaitDestroy, boolean orphanDestroy) {

    public static KernelInfo probe(boolean live) {
        String release = currentRelease();
        Boolean destroy = live ? probeNetlink() : fromConfig(release);
        boolean d = Boolean.TRUE.equals(destroy);
        return new KernelInfo(release, destroy, d && atLeast(release, 6, 0), d && atLeast(release, 6, 11));
    }

    /**
     * The running kernel's release, and only that: the policy it sets decides what live mode may
     * destroy, so no environment can change it (tests hand a {@link KernelInfo} of their own).
     */
    public static String currentRelease() {
        try {
            return ProcFiles.read(Path.of("/proc/sys/kernel/osrelease")).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static Boolean probeNetlink() {
        try (SockDiag d = SockDiag.open()) {
            int errno = d.probeDestroy();
            if (errno == LibC.EOPNOTSUPP) return false;
            return errno == LibC.ENOENT || errno == 0 ? Boolean.TRUE : null;
        } catch (IOException | RuntimeException | LinkageError e) {
            return null;
        }
    }

    static Boolean fromConfig(String release) {
        for (Path p : new Path[] {Path.of("/boot/config-" + release), Path.of("/proc/config.gz")}) {
            try (InputStream raw = Files.newInputStream(p);
                 InputStream in = p.toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw) {
                String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                return text.contains("\nCONFIG_INET_DIAG_DESTROY=y");
            } catch (IOException e) {
                // try the next place
            }
        }
        return null;
    }

    /**
     * Why this kernel cannot really destroy {@code s}, by its release, or null: TIME_WAIT before 6.0
     * (af9784d007d8; skipped silently before), and orphans with a FIN outstanding before 6.11, which
     * tcp_abort could leave orphaned for ever (bac76cf89816) unless {@code oldKernelOrphans} says
     * the fix is backported. Such sockets stay reported as hung, neither done nor failed.
     */
    public String cannotDestroy(Sock s, boolean oldKernelOrphans) {
        if (s.udp() != null || !Boolean.TRUE.equals(sockDestroy)) return null;
        if (s.state() == TcpState.TIME_WAIT && !releaseAtLeast(6, 0)) {
            return "not destroyed: Linux " + release + " cannot destroy TIME_WAIT sockets (6.0 and later can); it ends by itself within 60s";
        }
        boolean finOutstanding = s.state() == TcpState.FIN_WAIT1 || s.state() == TcpState.LAST_ACK || s.state() == TcpState.CLOSING;
        if (s.orphan() && finOutstanding && !releaseAtLeast(6, 11) && !oldKernelOrphans) {
            return "not destroyed: before Linux 6.11 destroying an orphan with its FIN outstanding could leave it orphaned for ever"
                    + " (kernel " + release + "; termination.old_kernel_orphans: destroy if the fix is backported)";
        }
        return null;
    }

    public boolean releaseAtLeast(int major, int minor) {
        return atLeast(release, major, minor);
    }

    public static boolean atLeast(String release, int major, int minor) {
        String[] p = release.split("[.-]");
        try {
            int ma = Integer.parseInt(p[0]), mi = p.length > 1 ? Integer.parseInt(p[1]) : 0;
            return ma > major || (ma == major && mi >= minor);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    public String describe() {
        String d = sockDestroy == null ? "SOCK_DESTROY unknown" : sockDestroy ? "SOCK_DESTROY available" : "SOCK_DESTROY unavailable (CONFIG_INET_DIAG_DESTROY off)";
        return "Kernel " + release + ": " + d
                + (Boolean.TRUE.equals(sockDestroy) ? "; TIME_WAIT destroy " + (timeWaitDestroy ? "expected (>= 6.0)" : "not expected (< 6.0)")
                + "; orphan destroy " + (orphanDestroy ? "expected (>= 6.11)" : "not expected unless backported (< 6.11)") : "");
    }
}
