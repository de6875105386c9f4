package hck.act;

import hck.sys.LibC;

import com.sun.jna.LastErrorException;
import com.sun.jna.ptr.IntByReference;
import hck.io.ProcStat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * pidfd access to another process (Linux 5.3+ pidfd_open, 5.6+ pidfd_getfd): a pidfd pins the
 * process, so a signal or an fd duplicate can never reach a new process that reused the PID.
 */
public final class PidFds {
    private PidFds() {}

    /** A failed step, with the errno and a sentence for the report. */
    public static final class Failure extends Exception {
        public final int errno;

        Failure(int errno, String message) {
            super(message);
            this.errno = errno;
        }
    }

    public static int open(long pid) throws Failure {
        try {
            return (int) LibC.c().syscall(LibC.SYS_PIDFD_OPEN, (int) pid, 0);
        } catch (LastErrorException e) {
            int errno = e.getErrorCode();
            throw new Failure(errno, errno == LibC.ENOSYS ? "pidfd_open is unavailable (Linux < 5.3)"
                    : errno == LibC.ESRCH ? "process " + pid + " is gone" : "pidfd_open(" + pid + "): " + LibC.errnoName(errno));
        }
    }

    /** A duplicate of the process's fd in hck, the way pidfd_getfd(2) makes it (needs ptrace access). */
    public static int getfd(int pidfd, int targetFd) throws Failure {
        try {
            return (int) LibC.c().syscall(LibC.SYS_PIDFD_GETFD, pidfd, targetFd, 0);
        } catch (LastErrorException e) {
            int errno = e.getErrorCode();
            throw new Failure(errno, errno == LibC.ENOSYS ? "pidfd_getfd is unavailable (Linux < 5.6)"
                    : errno == LibC.EBADF ? "the process closed the socket meanwhile"
                    : errno == LibC.EPERM ? "no ptrace access to the process (pidfd_getfd: EPERM)"
                    : "pidfd_getfd: " + LibC.errnoName(errno));
        }
    }

    public static void signal(int pidfd, int signal) throws Failure {
        try {
            LibC.c().syscall(LibC.SYS_PIDFD_SEND_SIGNAL, pidfd, signal, null, 0);
        } catch (LastErrorException e) {
            throw new Failure(e.getErrorCode(), "pidfd_send_signal: " + LibC.errnoName(e.getErrorCode()));
        }
    }

    public static long cookie(int fd) throws Failure {
        byte[] v = new byte[8];
        try {
            LibC.c().getsockopt(fd, LibC.SOL_SOCKET, LibC.SO_COOKIE, v, new IntByReference(8));
        } catch (LastErrorException e) {
            throw new Failure(e.getErrorCode(), "SO_COOKIE: " + LibC.errnoName(e.getErrorCode()));
        }
        return ByteBuffer.wrap(v).order(ByteOrder.nativeOrder()).getLong();
    }

    /** The inode of a socket fd of this process, from /proc/self/fd. */
    public static long inode(int fd) {
        try {
            String t = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
            return t.startsWith("socket:[") ? Long.parseLong(t.substring(8, t.length() - 1)) : -1;
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    /** Whether /proc/PID/fd/FD still is the socket with this inode. */
    public static boolean holds(long pid, int fd, long inode) {
        try {
            return Files.readSymbolicLink(Path.of("/proc/" + pid + "/fd/" + fd)).toString().equals("socket:[" + inode + "]");
        } catch (IOException e) {
            return false;
        }
    }

    public static void close(int fd) {
        if (fd >= 0) LibC.c().close(fd);
    }

    public static boolean kernelThread(long pid) {
        ProcStat s = ProcStat.read(pid);
        return s != null && s.kernelThread();
    }

    /** The same process (PID and start time) still alive, not a zombie. */
    public static boolean alive(long pid, long startTicks) {
        ProcStat s = ProcStat.read(pid);
        return s != null && !s.ended() && s.startTicks() == startTicks;
    }

    /** @return the process's start time in clock ticks, or -1 when it exited */
    public static long startTicks(long pid) {
        ProcStat s = ProcStat.read(pid);
        return s == null ? -1 : s.startTicks();
    }
}
