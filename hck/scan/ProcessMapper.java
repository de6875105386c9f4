package hck.scan;

import hck.io.ProcFiles;
import hck.model.Owner;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.Map;

/**
 * Maps socket inodes to the processes holding them, in one pass over /proc/PID/fd that keeps
 * only socket descriptors, as numbers, and names only the processes holding a wanted inode
 * ({@code ss -p} looks up every socket: docs/performance.md). Names come from
 * /proc/PID/comm, which, unlike ss -p, keeps names with ')' whole.
 */
public final class ProcessMapper {
    private final Path proc;
    private final Set<Long> unreadable = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** Open files per process, counted as the tables are listed (the fd forecast needs no second pass). */
    private final Map<Long, Integer> openFds = new java.util.concurrent.ConcurrentHashMap<>();

    public ProcessMapper(Path proc) {
        this.proc = proc;
    }

    /** Processes whose fd table or its links could not be read (not root, or root of another user namespace): their sockets show no owner. */
    public int unreadable() {
        return unreadable.size();
    }

    /** Their PIDs. */
    public Set<Long> unreadablePids() {
        return unreadable;
    }

    /**
     * Every socket descriptor of every process, read once: the links of /proc/PID/fd are read for
     * all descriptors whatever the candidates are, so the pass can run while the scan that names
     * the candidates is still under way ({@link Owners.Prefetch}), and match them after.
     */
    public SocketFds walk() throws IOException {
        List<Path> pidDirs = new ArrayList<>();
        try (DirectoryStream<Path> pids = Files.newDirectoryStream(proc)) {
            for (Path pidDir : pids) if (isNumber(pidDir.getFileName().toString())) pidDirs.add(pidDir);
        }
        // readlink(2) on /proc/PID/fd/N costs the kernel several µs (95k fds: 0.54 s in C on one core
        // here), and the processes that matter hold tens of thousands each: the fd tables are listed,
        // then read in slices, both on every core, so one big process is shared out too.
        List<Slice> slices = pidDirs.parallelStream().flatMap(dir -> slices(dir).stream()).toList();
        List<Found> found = slices.parallelStream().map(Slice::scan).toList();
        found.stream().filter(f -> f.denied).forEach(f -> unreadable.add(f.pid));
        return new SocketFds(found.stream().filter(f -> f.count > 0).toList(), Map.copyOf(openFds));
    }

    /** The socket descriptors one pass found, as primitive arrays per slice (16 bytes a socket). */
    public static final class SocketFds {
        private final List<Found> parts;
        private final Map<Long, Integer> openFds;

        private SocketFds(List<Found> parts, Map<Long, Integer> openFds) {
            this.parts = parts;
            this.openFds = openFds;
        }

        /** How many files each process had open when its table was listed. */
        public Map<Long, Integer> openFds() {
            return openFds;
        }

        /**
         * The owners of {@code wanted} (sorted, distinct inodes), index for index, null where none, each
         * list in PID then fd order; names read now, once a process. No boxed inode per socket or per
         * descriptor (190k of each).
         */
        public List<Owner>[] owners(long[] wanted) {
            @SuppressWarnings("unchecked")
            List<Owner>[] found = new List[wanted.length];
            for (Found part : parts) {
                String comm = null;
                for (int i = 0; i < part.count; i++) {
                    int at = Arrays.binarySearch(wanted, part.inodes[i]);
                    if (at < 0) continue;
                    if (comm == null) comm = comm(part.pidDir);
                    if (found[at] == null) found[at] = new ArrayList<>(1);
                    found[at].add(new Owner(part.pid, part.fds[i], comm));
                }
            }
            for (List<Owner> list : found) {
                if (list != null && list.size() > 1) {
                    list.sort(Owners.ORDER);
                }
            }
            return found;
        }
    }

    /** The socket descriptors of one slice. */
    private static final class Found {
        final Path pidDir;
        final long pid;
        long[] inodes;
        int[] fds;
        int count;
        boolean denied;

        Found(Path pidDir, long pid, int capacity) {
            this.pidDir = pidDir;
            this.pid = pid;
            inodes = new long[capacity];
            fds = new int[capacity];
        }

        void add(long inode, int fd) {
            inodes[count] = inode;
            fds[count++] = fd;
        }
    }

    private static final int SLICE = 1024;

    /** Some of one process's open files. */
    private record Slice(Path pidDir, long pid, List<String> fds) {
        Found scan() {
            Found found = new Found(pidDir, pid, fds.size());
            Path fdDir = pidDir.resolve("fd");
            for (String fd : fds) {
                String target;
                try {
                    target = Files.readSymbolicLink(fdDir.resolve(fd)).toString();
                } catch (AccessDeniedException e) {
                    // the table listed but its links refused: the process is beyond hck's
                    // ptrace access (e.g. hck in a user namespace of its own), as all its links are
                    found.denied = true;
                    break;
                } catch (IOException e) {
                    continue; // closed meanwhile, or the process exited
                }
                if (!target.startsWith("socket:[")) continue;
                try {
                    found.add(Long.parseLong(target, 8, target.length() - 1, 10), Integer.parseInt(fd));
                } catch (NumberFormatException e) {
                    // not a socket link after all
                }
            }
            return found;
        }
    }

    /** The fd table of one process, in slices; none for a process that exited or a kernel thread. */
    private List<Slice> slices(Path pidDir) {
        List<String> fds = new ArrayList<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(pidDir.resolve("fd"))) {
            for (Path fd : dir) fds.add(fd.getFileName().toString());
        } catch (AccessDeniedException e) {
            unreadable.add(Long.parseLong(pidDir.getFileName().toString()));
            return List.of();
        } catch (IOException | RuntimeException e) {
            return List.of(); // the process exited during the pass, or a kernel thread without an fd table
        }
        long pid = Long.parseLong(pidDir.getFileName().toString());
        openFds.put(pid, fds.size());
        List<Slice> out = new ArrayList<>();
        for (int from = 0; from < fds.size(); from += SLICE) {
            out.add(new Slice(pidDir, pid, fds.subList(from, Math.min(fds.size(), from + SLICE))));
        }
        return out;
    }

    static String comm(Path pidDir) {
        try {
            return ProcFiles.read(pidDir.resolve("comm"));
        } catch (IOException e) {
            return "?";
        }
    }

    private static boolean isNumber(String s) {
        if (s.isEmpty()) return false;
        for (int i = 0; i < s.length(); i++) if (s.charAt(i) < '0' || s.charAt(i) > '9') return false;
        return true;
    }
}
