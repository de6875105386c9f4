package hck.scan;

import hck.bpf.Bpf;
import hck.bpf.OwnerIterator;
import hck.io.ProcFiles;
import hck.model.Owner;
import hck.model.Sock;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
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
    /** The order of a socket's owners, whichever walk found them: by PID, then fd. */
    static final java.util.Comparator<Owner> ORDER = java.util.Comparator.comparingLong(Owner::pid).thenComparingInt(Owner::fd);

    private Owners() {}

    /** The sockets with their owners, and how many processes' open files could not be read (their sockets show no owner). */
    public record Attached(List<Sock> sockets, int unreadable, Map<Long, Integer> openFds) {}

    /**
     * With the /proc pass {@link Prefetch} started during the scan, or without one (null): then it
     * runs now — or, with {@code kernel}, first the kernel's own walk of every process's files
     * ({@link OwnerIterator}), the /proc pass only if that fails ({@code info} says why).
     */
    public static Attached attachCounting(List<Sock> candidates, Consumer<String> warn, Consumer<String> debug, Prefetch prefetch,
                                          boolean kernel, Consumer<String> info) throws IOException {
        long[] inodes = candidates.stream().filter(s -> !s.orphan()).mapToLong(Sock::inode).sorted().distinct().toArray();
        if (inodes.length == 0) return new Attached(candidates, 0, Map.of());
        if (kernel && prefetch == null) {
            try {
                long t0 = System.nanoTime();
                OwnerIterator.Found found = OwnerIterator.find(inodes);
                Attached a = attach(candidates, inodes, fromKernel(inodes, found));
                debug.accept("Owners from the kernel's walk of every process's files: " + found.count() + " descriptors of "
                        + inodes.length + " sockets in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
                return a;
            } catch (Bpf.Failed | IOException | RuntimeException | LinkageError e) {
                info.accept("The kernel's walk of open files failed (" + e.getMessage() + "): owners from /proc");
            }
        }
        Prefetch pass = prefetch != null ? prefetch : new Prefetch(false);
        ProcessMapper.SocketFds fds = pass.fds();
        List<Owner>[] owners = fds.owners(inodes);
        if (pass.mapper.unreadable() > 0) {
            List<Unreadable> why = Unreadable.of(pass.mapper.unreadablePids());
            warn.accept(Unreadable.warning(why));
            why.forEach(u -> debug.accept("Open files unreadable: " + u.line()));
        }
        return new Attached(withOwners(candidates, inodes, owners), pass.mapper.unreadable(), fds.openFds());
    }

    private static List<Sock> withOwners(List<Sock> candidates, long[] inodes, List<Owner>[] owners) {
        List<Sock> out = new ArrayList<>(candidates.size());
        for (Sock s : candidates) {
            List<Owner> o = s.orphan() ? null : owners[Arrays.binarySearch(inodes, s.inode())];
            out.add(o == null ? s : s.withOwners(o));
        }
        return out;
    }

    /** The sockets with the kernel's owners, and the open files of each owner (its /proc/PID/fd listed, no link read). */
    private static Attached attach(List<Sock> candidates, long[] inodes, List<Owner>[] owners) {
        Map<Long, Integer> open = new HashMap<>();
        for (List<Owner> list : owners) {
            if (list == null) continue;
            for (Owner o : list) {
                if (open.containsKey(o.pid())) continue;
                try (var fds = java.nio.file.Files.list(Path.of("/proc", Long.toString(o.pid()), "fd"))) {
                    open.put(o.pid(), (int) fds.count());
                } catch (IOException | RuntimeException e) {
                    // gone, or unreadable: no count, as the /proc pass gives none
                }
            }
        }
        return new Attached(withOwners(candidates, inodes, owners), 0, open);
    }

    /**
     * The kernel's (PID, fd, inode) triples as the /proc pass gives them: by inode, each list in
     * PID then fd order, named from /proc/PID/comm once a process; a process gone before its name
     * was read is dropped, as the /proc pass would not have seen its files.
     */
    static List<Owner>[] fromKernel(long[] inodes, OwnerIterator.Found f) {
        @SuppressWarnings("unchecked")
        List<Owner>[] found = new List[inodes.length];
        Map<Long, String> names = new HashMap<>();
        for (int i = 0; i < f.count(); i++) {
            int at = Arrays.binarySearch(inodes, f.inodes()[i]);
            if (at < 0) continue;
            long pid = f.pids()[i];
            String name = names.computeIfAbsent(pid, p -> {
                try {
                    return ProcFiles.read(Path.of("/proc", Long.toString(p), "comm"));
                } catch (IOException e) {
                    return null;
                }
            });
            if (name == null) continue;
            if (found[at] == null) found[at] = new ArrayList<>(1);
            found[at].add(new Owner(pid, f.fds()[i], name));
        }
        for (int i = 0; i < found.length; i++) {
            // sorted, then once each: a thread with a file table of its own is visited apart and may repeat its process's entries
            if (found[i] != null && found[i].size() > 1) found[i] = found[i].stream().sorted(ORDER).distinct().toList();
        }
        return found;
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
