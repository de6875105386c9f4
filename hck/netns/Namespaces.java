package hck.netns;

import com.sun.jna.LastErrorException;
import hck.container.Containers;
import hck.io.HostRoot;
import hck.model.Container;
import hck.sys.LibC;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/** Finds network namespaces: hck's own, one named or given by path, or every distinct one on the host. */
public final class Namespaces {
    /** Where {@code ip netns add} (and CNI, podman's netavark) name namespaces: /run/netns, under --host-root. */
    static Path named() {
        return HostRoot.of("/run/netns");
    }
    private static final Path OWN = Path.of("/proc/thread-self/ns/net");

    private Namespaces() {}

    /** {@code which}: null for hck's own, "all", or a name or path. */
    public static List<Namespace> select(String which, Consumer<String> warn) throws IOException {
        if (which == null) return List.of(own());
        if (which.equals("all")) return all(warn);
        return List.of(named(which));
    }

    /**
     * The same namespaces, each one that belongs to a container or pod labelled by it
     * ({@code pod:NS/POD}, {@code container:NAME}) instead of {@code pid:N} or its /run/netns name;
     * a name the user gave (--netns NAME) stays.
     */
    public static List<Namespace> byContainer(List<Namespace> found, Containers containers, String given) {
        List<Namespace> out = new ArrayList<>(found.size());
        for (Namespace n : found) {
            Container c = n.own() || n.label().equals(given) ? null
                    : n.label().startsWith("pid:") ? containers.ofProcess(Long.parseLong(n.label().substring(4))) : containers.ofNetns(n.inode());
            out.add(c == null ? n : new Namespace(c.netnsLabel(), n.file(), n.inode(), n.fd(), c));
        }
        return out;
    }

    public static Namespace own() throws IOException {
        return new Namespace(null, OWN, inode(OWN));
    }

    /**
     * {@code NAME} (under /run/netns) or a path such as {@code /proc/PID/ns/net}.
     * @throws IllegalArgumentException when it names no network namespace (a usage error)
     */
    public static Namespace named(String nameOrPath) throws IOException {
        Path file = nameOrPath.contains("/") ? Path.of(nameOrPath) : named().resolve(nameOrPath);
        long ino;
        try {
            ino = inode(file);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("--netns " + nameOrPath + ": no such network namespace (" + file + ")");
        } catch (IOException e) {
            throw new IllegalArgumentException("--netns " + nameOrPath + ": " + e.getMessage());
        }
        if (!isNetns(file)) throw new IllegalArgumentException("--netns " + nameOrPath + ": " + file + " is not a network namespace");
        // named by the user, it keeps that name even where hck already is (ip netns exec NAME hck --netns NAME): the
        // labels of the JSON, the log and the metrics are the same from inside and from outside
        String label = nameOrPath.contains("/") ? pidLabel(file) : nameOrPath;
        return held(label, file);
    }

    /**
     * hck's own namespace, then every named one, then every one only reachable through a process
     * (labelled by its lowest PID), each once: deduplicated by inode.
     */
    public static List<Namespace> all(Consumer<String> warn) throws IOException {
        Map<Long, Namespace> found = new LinkedHashMap<>();
        Namespace own = own();
        found.put(own.inode(), own);
        if (Files.isDirectory(named())) {
            try (DirectoryStream<Path> names = Files.newDirectoryStream(named())) {
                List<Path> sorted = new ArrayList<>();
                names.forEach(sorted::add);
                sorted.sort(null);
                for (Path p : sorted) {
                    try {
                        if (!isNetns(p)) continue;
                        if (!found.containsKey(inode(p))) {
                            Namespace n = held(p.getFileName().toString(), p);
                            if (found.putIfAbsent(n.inode(), n) != null) release(n);
                        }
                    } catch (IOException e) {
                        warn.accept("network namespace " + p.getFileName() + " vanished or is unreadable: skipped");
                    }
                }
            }
        }
        TreeMap<Long, Path> pids = new TreeMap<>();
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().matches("\\d+"))) {
            for (Path p : procs) pids.put(Long.parseLong(p.getFileName().toString()), p.resolve("ns/net"));
        }
        for (Map.Entry<Long, Path> e : pids.entrySet()) {
            try {
                long ino = linkInode(e.getValue());
                if (found.containsKey(ino)) continue;
                Namespace n = held("pid:" + e.getKey(), e.getValue());
                if (found.putIfAbsent(n.inode(), n) != null) release(n);
            } catch (IOException ignored) {
                // the process exited, or is a kernel thread without one: nothing to scan there
            }
        }
        return new ArrayList<>(found.values());
    }

    /**
     * Opens the namespace now and keeps it open: its identity is read from the descriptor itself,
     * so the inode is the one of the namespace hck will enter, whatever happens to the name.
     */
    static Namespace held(String label, Path file) throws IOException {
        LibC.C c = LibC.c();
        int fd;
        try {
            fd = c.open(file.toString(), LibC.O_RDONLY | LibC.O_CLOEXEC);
        } catch (LastErrorException e) {
            throw new IOException("cannot open network namespace " + file + ": " + LibC.errnoName(e.getErrorCode()));
        }
        try {
            // stat through the descriptor: the inode of the namespace itself (readlink would give a bind mount's path)
            long ino = ((Number) Files.getAttribute(Path.of("/proc/self/fd/" + fd), "unix:ino")).longValue();
            return new Namespace(label, file, ino, fd);
        } catch (IOException e) {
            c.close(fd);
            throw e;
        }
    }

    static void release(Namespace n) {
        if (n.fd() >= 0) LibC.c().close(n.fd());
    }

    static String pidLabel(Path file) {
        String s = file.toString();
        if (s.matches("/proc/\\d+/ns/net")) return "pid:" + s.split("/")[2];
        return s;
    }

    /** A /proc/PID/ns/net link, or a bind mount of one (what ip netns add makes: file system nsfs). */
    static boolean isNetns(Path file) {
        try {
            if (Files.isSymbolicLink(file)) return Files.readSymbolicLink(file).toString().startsWith("net:[");
            return Files.getFileStore(file).type().equals("nsfs");
        } catch (IOException e) {
            return false;
        }
    }

    static long linkInode(Path nsLink) throws IOException {
        String t = Files.readSymbolicLink(nsLink).toString(); // "net:[4026531992]"
        if (!t.startsWith("net:[")) throw new IOException("not a network namespace: " + t);
        return Long.parseLong(t.substring(5, t.length() - 1));
    }

    static long inode(Path file) throws IOException {
        if (Files.isSymbolicLink(file) && file.startsWith("/proc")) return linkInode(file);
        return ((Number) Files.getAttribute(file, "unix:ino")).longValue();
    }
}
