package hck.bpf;

import com.sun.jna.LastErrorException;
import hck.io.Credentials;
import hck.io.ProcFiles;
import hck.model.Stamp;
import hck.sys.KernelInfo;
import hck.sys.LibC;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.List;

/**
 * hck's stamps in the kernel: the stamp program's link and map pinned in a bpffs directory
 * ({@code /sys/fs/bpf/hck} by default), installed by the first run as root and read by every later
 * one. Never fatal: where they cannot be, {@link #open} says why and the run keeps its lower bounds.
 * Two runs installing at once each build in a directory of their own and rename it into place;
 * the loser drops its copy (its program detaches when its fds close) and reads the winner's.
 * Removing the directory ({@code rm -r /sys/fs/bpf/hck}) detaches the program and frees the map.
 */
public final class Stamps implements AutoCloseable {
    public static final Path DEFAULT_DIR = Path.of("/sys/fs/bpf/hck");
    static final String LINK = "link", MAP = "map";
    private static final Path BPFFS = Path.of("/sys/fs/bpf");

    private final int mapFd;
    private final Stamp.Status status;

    private Stamps(int mapFd, Stamp.Status status) {
        this.mapFd = mapFd;
        this.status = status;
    }

    private static Stamps none(String status, Path dir, String why) {
        return new Stamps(-1, new Stamp.Status(status, dir.toString(), null, why));
    }

    /** The map's fd for sock_diag's INET_DIAG_REQ_SK_BPF_STORAGES, or -1 when there are no stamps to read. */
    public int mapFd() {
        return mapFd;
    }

    public Stamp.Status status() {
        return status;
    }

    /** The log line: where the stamps are, or why there are none. */
    public String describe() {
        return switch (status.status()) {
            case "installed" -> "Stamps installed at " + status.pin() + ": every socket entering a closing state from now on gets its exact age";
            case "active" -> "Stamps read from " + status.pin() + " (since " + status.since() + "): exact ages for sockets that entered their state since";
            default -> "Stamps " + status.status() + " (" + status.reason() + "): ages are lower bounds";
        };
    }

    /** @param off the rules say {@code stamps: off}: neither read nor installed */
    public static Stamps open(Path dir, boolean off, String kernelRelease) {
        if (off) return none("off", dir, "the rules say stamps: off");
        try {
            String why = cannot(kernelRelease);
            if (why == null) why = bpffs(dir);
            if (why != null) return none("unavailable", dir, why);
            Stamps pinned = pinned(dir);
            return pinned != null ? pinned : install(dir);
        } catch (Bpf.Failed e) {
            return none("unavailable", dir, explain(e));
        } catch (IOException | RuntimeException | LinkageError e) {
            return none("unavailable", dir, String.valueOf(e.getMessage()));
        }
    }

    /** Why this kernel or process cannot have stamps at all, or null. */
    static String cannot(String release) {
        if (!KernelInfo.atLeast(release, 5, 11)) return "Linux " + release + " is older than 5.11, the first to give tracing programs socket storage";
        return privileges();
    }

    /** Why this process cannot load tracing programs (bpf(2) unknown here, no BTF, no capabilities), or null. */
    static String privileges() {
        if (Bpf.syscallNumber() < 0) return "hck does not know bpf(2) on " + System.getProperty("os.arch");
        if (!Files.isReadable(Btf.VMLINUX)) return "the kernel has no BTF (" + Btf.VMLINUX + ")";
        boolean capable = Credentials.has(Credentials.CAP_SYS_ADMIN) || (Credentials.has(Credentials.CAP_BPF) && Credentials.has(Credentials.CAP_PERFMON));
        return capable ? null : "hck runs without CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN), as uid " + Credentials.euid();
    }

    /** Null when {@code dir} lies on a bpffs (mounting one at /sys/fs/bpf, as systemd does, where hck may), else why not. */
    static String bpffs(Path dir) throws IOException {
        if ("bpf".equals(typeAt(dir))) return null;
        boolean initNs = initialNamespace();
        if (dir.getParent().equals(BPFFS) && Files.isDirectory(BPFFS) && initNs && !"bpf".equals(typeAt(BPFFS))) {
            try {
                LibC.c().mount("bpf", BPFFS.toString(), "bpf", 0, "mode=0700");
            } catch (LastErrorException e) {
                return "cannot mount bpffs at " + BPFFS + ": " + LibC.errnoName(e.getErrorCode());
            }
            return null;
        }
        return "no bpffs holds " + dir.getParent() + " in this mount namespace"
                + (initNs || !dir.startsWith("/sys") ? "" : " (a private /sys, as ip netns exec mounts: pins there would die with it)");
    }

    /** The stamps pinned at {@code dir}, or null when none are; incomplete ones are removed (and then installed again). */
    static Stamps pinned(Path dir) throws Bpf.Failed, IOException {
        boolean link = Files.exists(dir.resolve(LINK)), map = Files.exists(dir.resolve(MAP));
        if (!link && !map) return null;
        if (link && map) {
            int mapFd = Bpf.get(dir.resolve(MAP).toString());
            try {
                Stamp.Status s = check(dir, mapFd);
                if (s != null) return new Stamps(mapFd, s);
            } catch (Bpf.Failed e) {
                Bpf.close(mapFd);
                throw e;
            }
            Bpf.close(mapFd);
        }
        remove(dir); // a map without its program would carry stamps nothing keeps true
        return null;
    }

    /** The pinned link's program is hck's, attached, and writes this map: since its load. Null when not. */
    private static Stamp.Status check(Path dir, int mapFd) throws Bpf.Failed {
        Bpf.ProgInfo p = program(dir);
        int mapId = Bpf.info(mapFd, 88).getInt(4); // struct bpf_map_info.id
        if (p == null || !p.name().equals(StampProgram.NAME) || p.mapIds().length != 1 || p.mapIds()[0] != mapId) return null;
        return new Stamp.Status("active", dir.toString(), bootToInstant(p.loadTimeBootNs()), null);
    }

    /**
     * The program the link pinned at {@code dir} runs, as the kernel counts it (its run time and
     * runs while stats are enabled), or null when the link is detached.
     */
    public static Bpf.ProgInfo program(Path dir) throws Bpf.Failed {
        int linkFd = Bpf.get(dir.resolve(LINK).toString());
        try {
            int progId = Bpf.info(linkFd, 48).getInt(8); // struct bpf_link_info.prog_id
            if (progId == 0) return null;
            int progFd = Bpf.progById(progId);
            try {
                return Bpf.progInfo(progFd);
            } finally {
                Bpf.close(progFd);
            }
        } finally {
            Bpf.close(linkFd);
        }
    }

    static Instant bootToInstant(long bootNs) {
        return Instant.ofEpochMilli(System.currentTimeMillis() - (LibC.bootTimeNs() - bootNs) / 1_000_000);
    }

    private static Stamps install(Path dir) throws Bpf.Failed, IOException {
        StampProgram.Loaded l = StampProgram.load(Btf.vmlinux());
        // bpffs refuses names with a dot (its own files have them): no hidden name for the one being built
        Path mine = dir.resolveSibling(dir.getFileName() + "-installing-" + ProcessHandle.current().pid());
        try {
            Files.createDirectories(dir.getParent());
            remove(mine);
            Files.createDirectory(mine);
            Bpf.pin(l.linkFd(), mine.resolve(LINK).toString());
            Bpf.pin(l.mapFd(), mine.resolve(MAP).toString());
            long loaded = Bpf.progInfo(l.progFd()).loadTimeBootNs();
            Files.move(mine, dir, StandardCopyOption.ATOMIC_MOVE);
            Bpf.close(l.linkFd());
            Bpf.close(l.progFd());
            return new Stamps(l.mapFd(), new Stamp.Status("installed", dir.toString(), bootToInstant(loaded), null));
        } catch (FileSystemException lost) { // another run installed first (its directory is not empty): read its stamps
            remove(mine);
            l.close();
            Stamps theirs = pinned(dir);
            if (theirs == null) throw new IOException("cannot place stamps at " + dir + ": " + lost.getMessage());
            return theirs;
        } catch (Bpf.Failed | IOException | RuntimeException e) {
            remove(mine);
            l.close();
            throw e;
        }
    }

    /** Unpins what hck pinned in {@code dir} and removes it (the kernel frees what no fd holds): what rm -r does. */
    public static void remove(Path dir) throws IOException {
        for (String f : List.of(LINK, MAP)) Files.deleteIfExists(dir.resolve(f));
        Files.deleteIfExists(dir);
    }

    /** A refusal in words: EPERM as root is lockdown or a seccomp filter, which the process can tell. */
    static String explain(Bpf.Failed e) {
        if (e.errno != LibC.EPERM && e.errno != LibC.EACCES) return e.getMessage();
        String lockdown = lockdown();
        if (lockdown != null) return e.getMessage() + ": kernel lockdown (" + lockdown + ") forbids it";
        if (Credentials.seccomp() == 2) return e.getMessage() + ": a seccomp filter forbids bpf()";
        return e.getMessage();
    }

    // ---- what the mount table and the kernel say about where pins can live ----
    /** The type of the filesystem that holds {@code path} (or its nearest existing ancestor), e.g. "bpf", "sysfs". */
    static String typeAt(Path path) throws IOException {
        Path p = path.toAbsolutePath().normalize();
        while (p != null && !Files.exists(p)) p = p.getParent();
        if (p == null) return null;
        p = p.toRealPath();
        String best = null;
        int bestLength = -1;
        // read whole (ProcFiles reads one page: a container's mount table is longer)
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] f = line.split(" ");
            int dash = line.indexOf(" - ");
            if (f.length < 5 || dash < 0) continue;
            Path point = Path.of(unescape(f[4]));
            // the last of equal mount points is the one on top
            if (p.startsWith(point) && point.toString().length() >= bestLength) {
                bestLength = point.toString().length();
                best = line.substring(dash + 3).split(" ")[0];
            }
        }
        return best;
    }

    /** mountinfo escapes space, tab, newline and backslash as \ooo. */
    static String unescape(String s) {
        if (s.indexOf('\\') < 0) return s;
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == '\\' && i + 3 < s.length()) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(s.charAt(i));
            }
        }
        return b.toString();
    }

    /** Whether this process shares PID 1's mount namespace (the host's, where pins outlive it). */
    static boolean initialNamespace() {
        try {
            return Files.readSymbolicLink(Path.of("/proc/self/ns/mnt")).equals(Files.readSymbolicLink(Path.of("/proc/1/ns/mnt")));
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** The kernel's lockdown mode when one is on ("integrity", "confidentiality"), else null. */
    static String lockdown() {
        try {
            String s = ProcFiles.read(Path.of("/sys/kernel/security/lockdown"));
            int open = s.indexOf('['), close = s.indexOf(']');
            String mode = open < 0 || close < open ? null : s.substring(open + 1, close);
            return mode == null || mode.equals("none") ? null : mode;
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public void close() {
        Bpf.close(mapFd);
    }
}
