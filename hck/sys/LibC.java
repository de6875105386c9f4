package hck.sys;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.ptr.IntByReference;

/**
 * The few libc calls hck needs (netlink, pidfd, setns), through JNA, loaded on first use only (a
 * dry run of hck's own namespace never loads it). Syscall numbers 424+ are the same on every architecture (the unified table, Linux 5.1+).
 */
public final class LibC {
    public static final int AF_NETLINK = 16, SOCK_RAW = 3, SOCK_CLOEXEC = 0x80000, NETLINK_SOCK_DIAG = 4;
    public static final int SOL_SOCKET = 1, SO_LINGER = 13, SO_RCVBUF = 8, SO_RCVBUFFORCE = 33, SO_COOKIE = 57;
    public static final int SHUT_RDWR = 2;
    public static final int O_RDONLY = 0, O_CLOEXEC = 0x80000, CLONE_NEWNET = 0x40000000;
    public static final long SYS_PIDFD_SEND_SIGNAL = 424, SYS_PIDFD_OPEN = 434, SYS_PIDFD_GETFD = 438;
    public static final int EPERM = 1, ENOENT = 2, ESRCH = 3, EBADF = 9, EACCES = 13, EINVAL = 22, ENOSYS = 38,
            EOPNOTSUPP = 95, ESTALE = 116;

    public interface C extends Library {
        int socket(int domain, int type, int protocol) throws LastErrorException;

        NativeLong send(int fd, byte[] buf, NativeLong len, int flags) throws LastErrorException;

        /** A direct buffer: JNA passes its address, where a byte[] would be copied in and out whole at every call. */
        NativeLong recv(int fd, java.nio.ByteBuffer buf, NativeLong len, int flags) throws LastErrorException;

        int close(int fd);

        /** Into a direct buffer, as recv. */
        NativeLong read(int fd, java.nio.ByteBuffer buf, NativeLong len) throws LastErrorException;

        int open(String path, int flags) throws LastErrorException;

        int setns(int fd, int nstype) throws LastErrorException;

        int setsockopt(int fd, int level, int name, byte[] value, int len) throws LastErrorException;

        int getsockopt(int fd, int level, int name, byte[] value, IntByReference len) throws LastErrorException;

        int shutdown(int fd, int how) throws LastErrorException;

        long syscall(long number, Object... args) throws LastErrorException;

        int clock_gettime(int clock, long[] timespec);

        int mount(String source, String target, String type, long flags, String data) throws LastErrorException;
    }

    private static final int CLOCK_BOOTTIME = 7;

    /** CLOCK_BOOTTIME in ns: the clock of the kernel's stamps (bpf_ktime_get_boot_ns), which counts suspend too. */
    public static long bootTimeNs() {
        long[] ts = new long[2];
        if (c().clock_gettime(CLOCK_BOOTTIME, ts) != 0) throw new IllegalStateException("clock_gettime(CLOCK_BOOTTIME) failed");
        return ts[0] * 1_000_000_000L + ts[1];
    }

    private static volatile C c;

    private LibC() {}

    public static C c() {
        C local = c;
        if (local == null) {
            synchronized (LibC.class) {
                if (c == null) c = Native.load("c", C.class);
                local = c;
            }
        }
        return local;
    }

    /** {@code ENOENT} for 2, the number itself for errnos hck does not expect. */
    public static String errnoName(int errno) {
        return switch (errno) {
            case 0 -> "OK";
            case EPERM -> "EPERM";
            case ENOENT -> "ENOENT";
            case ESRCH -> "ESRCH";
            case EBADF -> "EBADF";
            case EACCES -> "EACCES";
            case EINVAL -> "EINVAL";
            case ENOSYS -> "ENOSYS";
            case EOPNOTSUPP -> "EOPNOTSUPP";
            case ESTALE -> "ESTALE";
            default -> "errno " + errno;
        };
    }
}
