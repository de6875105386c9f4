package hck.netns;

import com.sun.jna.LastErrorException;
import hck.sys.LibC;

import java.io.IOException;

/**
 * Runs work inside a network namespace on the calling thread: setns(2) with CLONE_NEWNET changes
 * only the calling thread, and what the work creates there stays in that namespace — netlink
 * sockets, and the processes it starts (ss inherits the thread's namespace). /proc/thread-self/net
 * and the net sysctls follow the thread too. Entering a namespace costs a setns, not a JVM start.
 */
public final class NetnsSwitch {
    private NetnsSwitch() {}

    /** Thrown when the namespace cannot be entered (it vanished, or no CAP_SYS_ADMIN). */
    public static final class Unavailable extends IOException {
        Unavailable(String message) {
            super(message);
        }
    }

    public interface Work<T> {
        T run() throws IOException;
    }

    public static <T> T inside(Namespace ns, Work<T> work) throws IOException {
        if (ns.own()) return work.run();
        LibC.C c = LibC.c();
        int home = open(c, "/proc/thread-self/ns/net", "hck's own network namespace");
        try {
            // the descriptor opened when the namespace was found: it stays enterable even if its name is gone
            int target = ns.fd() >= 0 ? ns.fd() : open(c, ns.file().toString(), "network namespace " + ns.display() + " (vanished?)");
            try {
                c.setns(target, LibC.CLONE_NEWNET);
            } catch (LastErrorException e) {
                throw new Unavailable("cannot enter network namespace " + ns.display() + ": " + LibC.errnoName(e.getErrorCode()));
            } finally {
                if (target != ns.fd()) c.close(target);
            }
            try {
                return work.run();
            } finally {
                c.setns(home, LibC.CLONE_NEWNET);
            }
        } finally {
            c.close(home);
        }
    }

    private static int open(LibC.C c, String path, String what) throws Unavailable {
        try {
            return c.open(path, LibC.O_RDONLY | LibC.O_CLOEXEC);
        } catch (LastErrorException e) {
            throw new Unavailable("cannot open " + what + ": " + LibC.errnoName(e.getErrorCode()));
        }
    }
}
