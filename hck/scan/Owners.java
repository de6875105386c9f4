package hck.scan;

import hck.model.Owner;
import hck.model.Sock;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.function.Consumer;

/**
 * Attaches owning processes to candidates, in one /proc pass for the sockets of every namespace:
 * socket inodes are numbered system-wide, and /proc shows PIDs as the host sees them.
 */
public final class Owners {
    private Owners() {}

    /** The sockets with their owners, and how many processes' open files could not be read (their sockets show no owner). */
    public record Attached(List<Sock> sockets, int unreadable, Map<Long, Integer> openFds) {}

    /** With the /proc pass {@link Prefetch} started during the scan, or without one (null): then it runs now. */
    public static Attached attachCounting(List<Sock> candidates, Consumer<String> warn, Consumer<String> debug, Prefetch prefetch) throws IOException {
        long[] inodes = candidates.stream().filter(s -> !s.orphan()).mapToLong(Sock::inode).sorted().distinct().toArray();
        if (inodes.length == 0) return new Attached(candidates, 0, Map.of());
        Prefetch pass = prefetch != null ? prefetch : new Prefetch(false);
        ProcessMapper.SocketFds fds = pass.fds();
        List<Owner>[] owners = fds.owners(inodes);
        if (pass.mapper.unreadable() > 0) {
            List<Unreadable> why = Unreadable.of(pass.mapper.unreadablePids());
            warn.accept(Unreadable.warning(why));
            why.forEach(u -> debug.accept("Open files unreadable: " + u.line()));
        }
        List<Sock> out = new ArrayList<>(candidates.size());
        for (Sock s : candidates) {
            List<Owner> o = s.orphan() ? null : owners[Arrays.binarySearch(inodes, s.inode())];
            out.add(o == null ? s : s.withOwners(o));
        }
        return new Attached(out, pass.mapper.unreadable(), fds.openFds());
    }

    /**
     * The /proc pass, started on other threads while the kernel dump that names the candidates
     * still runs: the dump (mostly kernel time on one core) and the pass (kernel time on both)
     * overlap instead of following each other. Started only once the dump has shown
     * a candidate with an owner to find, so a host with nothing hung still reads no process's files.
     */
    public static final class Prefetch {
        private final ProcessMapper mapper = new ProcessMapper(Path.of("/proc"));
        private final FutureTask<ProcessMapper.SocketFds> pass;

        private Prefetch(boolean background) {
            if (!background) {
                pass = null;
                return;
            }
            // its own thread, which with the common pool's workers reads the slices while this one
            // still receives the dump (the common pool alone has one worker on two cores)
            pass = new FutureTask<>(mapper::walk);
            Thread t = new Thread(pass, "hck-owners");
            t.setDaemon(true);
            t.start();
        }

        /** Starts the pass now. */
        public static Prefetch start() {
            return new Prefetch(true);
        }

        ProcessMapper.SocketFds fds() throws IOException {
            if (pass == null) return mapper.walk();
            try {
                return pass.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while reading /proc", e);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof IOException io) throw io;
                if (e.getCause() instanceof RuntimeException r) throw r;
                throw new IOException(e.getCause());
            }
        }
    }
}
