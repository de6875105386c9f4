package hck.act;

import hck.sys.LibC;

import hck.model.Owner;
import hck.model.Sock;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * socket-shutdown: for a kernel without SOCK_DESTROY (or one that refused it). hck takes a
 * duplicate of the owner's fd with pidfd_getfd, checks by cookie (or inode) that it is the same
 * socket, sets SO_LINGER {1,0} and shuts it down (anisse/tcpkill does this). One socket, no
 * process touched; the application keeps its fd.
 */
public final class ShutdownMethod {
    private ShutdownMethod() {}

    /** @return null when done, else why not */
    public static String shutdown(Sock s) {
        Owner o = s.owner();
        if (o == null) return "no owning process to take the socket from (an orphan can only be destroyed by the kernel)";
        int pidfd = -1, dup = -1;
        try {
            pidfd = PidFds.open(o.pid());
            if (!PidFds.holds(o.pid(), o.fd(), s.inode())) return "the process no longer holds the socket on fd " + o.fd();
            dup = PidFds.getfd(pidfd, o.fd());
            if (s.cookie() != null) {
                long cookie = PidFds.cookie(dup);
                if (cookie != Long.parseUnsignedLong(s.cookie(), 16)) return "fd " + o.fd() + " is now another socket (cookie changed)";
            } else if (PidFds.inode(dup) != s.inode()) {
                return "fd " + o.fd() + " is now another socket (inode changed)";
            }
            byte[] linger = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putInt(1).putInt(0).array();
            LibC.c().setsockopt(dup, LibC.SOL_SOCKET, LibC.SO_LINGER, linger, 8);
            LibC.c().shutdown(dup, LibC.SHUT_RDWR);
            return null;
        } catch (PidFds.Failure f) {
            return f.getMessage();
        } catch (com.sun.jna.LastErrorException e) {
            return "shutdown: " + LibC.errnoName(e.getErrorCode());
        } finally {
            PidFds.close(dup);
            PidFds.close(pidfd);
        }
    }
}
