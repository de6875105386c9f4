package hck.scan;

import hck.io.ProcFiles;
import hck.model.Owner;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Maps socket inodes to the processes holding them, in one pass over /proc/PID/fd that looks
 * only for the wanted inodes ({@code ss -p} looks up every socket: 8.8 s at 95k, FACTS.md).
 * Names come from /proc/PID/comm, which, unlike ss -p, keeps names with ')' whole.
 */
public final class ProcessMapper {
    private final Path proc;
    private final AtomicInteger unreadable = new AtomicInteger();

    public ProcessMapper(Path proc) {
        this.proc = proc;
    }

    /** Processes whose fd table could not be read (not root): their sockets show no owner. */
    public int unreadable() {
        return unreadable.get();
    }

    public Map<Long, List<Owner>> owners(Set<Long> inodes) throws IOException {
        Map<Long, List<Owner>> found = new HashMap<>();
        if (inodes.isEmpty()) return found;
        List<Path> pidDirs = new ArrayList<>();
        try (DirectoryStream<Path> pids = Files.newDirectoryStream(proc)) {
            for (Path pidDir : pids) if (isNumber(pidDir.getFileName().toString())) pidDirs.add(pidDir);
        }
        // readlink(2) on /proc/PID/fd/N costs the kernel several µs (95k fds: 0.54 s in C on one core
        // here), and the processes that matter hold tens of thousands each: the fd tables are listed,
        // then read in slices, both on every core, so one big process is shared out too.
        List<Slice> slices = pidDirs.parallelStream().flatMap(dir -> slices(dir).stream()).toList();
        List<Map<Long, List<Owner>>> parts = slices.parallelStream().map(slice -> slice.scan(inodes)).filter(m -> !m.isEmpty()).toList();
        for (Map<Long, List<Owner>> part : parts) {
            part.forEach((inode, owners) -> found.computeIfAbsent(inode, k -> new ArrayList<>(owners.size())).addAll(owners));
        }
        for (List<Owner> list : found.values()) {
            list.sort((a, b) -> a.pid() != b.pid() ? Long.compare(a.pid(), b.pid()) : Integer.compare(a.fd(), b.fd()));
        }
        return found;
    }

    private static final int SLICE = 1024;

    /** Some of one process's open files. */
    private record Slice(Path pidDir, long pid, List<String> fds) {
        Map<Long, List<Owner>> scan(Set<Long> inodes) {
            Map<Long, List<Owner>> found = new HashMap<>();
            Path fdDir = pidDir.resolve("fd");
            String comm = null;
            for (String fd : fds) {
                String target;
                try {
                    target = Files.readSymbolicLink(fdDir.resolve(fd)).toString();
                } catch (IOException e) {
                    continue; // closed meanwhile, or the process exited
                }
                if (!target.startsWith("socket:[")) continue;
                long inode;
                try {
                    inode = Long.parseLong(target, 8, target.length() - 1, 10);
                } catch (NumberFormatException e) {
                    continue;
                }
                if (!inodes.contains(inode)) continue;
                if (comm == null) comm = comm(pidDir);
                found.computeIfAbsent(inode, k -> new ArrayList<>(1)).add(new Owner(pid, Integer.parseInt(fd), comm));
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
            unreadable.incrementAndGet();
            return List.of();
        } catch (IOException | RuntimeException e) {
            return List.of(); // the process exited during the pass, or a kernel thread without an fd table
        }
        long pid = Long.parseLong(pidDir.getFileName().toString());
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
