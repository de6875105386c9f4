package hck.scan;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

import hck.model.Sock;

/**
 * Scans the network namespace of the calling thread: netlink sock_diag directly (the default),
 * else ss, else /proc/thread-self/net when ss is missing or fails. It remembers which source answered, so that the verification after
 * a kill looks through the same one.
 */
public final class Scanner {
    public enum Choice {
        AUTO, NETLINK, SS, PROC;

        @Override
        public String toString() { // as --source takes and --help lists them
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** /proc/thread-self/net follows the calling thread's namespace; /proc/self/net would not. */
    static final Path PROC_NET = Path.of("/proc/thread-self/net");

    private final Choice choice;
    private final Consumer<String> warn;
    private SocketSource used, usedUdp;
    private Runnable firstOwned = () -> { };
    private int stampMap = -1;

    public Scanner(Choice choice, Consumer<String> warn) {
        this.choice = choice;
        this.warn = warn;
    }

    /** Run once the netlink dump shows a watched socket that has an inode, hence an owner to find (see {@link Owners.Prefetch}). */
    public Scanner onFirstOwnedCandidate(Runnable r) {
        firstOwned = r;
        return this;
    }

    /** Reads hck's stamps from the map with fd {@code mapFd} (-1: none) in the netlink dump. */
    public Scanner readingStamps(int mapFd) {
        stampMap = mapFd;
        return this;
    }

    public ScanResult scan() throws IOException {
        ProcNetSource proc = new ProcNetSource(PROC_NET);
        if (choice == Choice.PROC) {
            used = proc;
            return proc.scan();
        }
        if (choice == Choice.NETLINK || (choice == Choice.AUTO && NetlinkSource.available())) {
            NetlinkSource nl = new NetlinkSource(firstOwned, stampMap, warn);
            try {
                ScanResult r = nl.scan();
                used = nl;
                return r;
            } catch (IOException e) {
                if (choice == Choice.NETLINK) throw e;
                warn.accept("netlink scan failed (" + e.getMessage() + "): falling back to ss");
            }
        }
        try {
            SsSource ss = new SsSource("ss");
            ScanResult r = ss.scan();
            used = ss;
            return r;
        } catch (IOException e) {
            if (choice == Choice.SS) throw new IOException("ss failed: " + e.getMessage(), e);
            warn.accept("ss is unavailable (" + e.getMessage() + "): falling back to /proc/net/tcp, ages from first sighting");
            used = proc;
            return proc.scan();
        }
    }

    /** Every UDP socket of the namespace, through ss or /proc/thread-self/net/udp{,6}. */
    public ScanResult scanUdp() throws IOException {
        ProcNetSource proc = new ProcNetSource(PROC_NET, true);
        if (choice != Choice.PROC) {
            try {
                SsSource ss = new SsSource("ss", true);
                ScanResult r = ss.scan();
                usedUdp = ss;
                return r;
            } catch (IOException e) {
                if (choice == Choice.SS) throw new IOException("ss failed: " + e.getMessage(), e);
            }
        }
        usedUdp = proc;
        return proc.scan();
    }

    /** The cookies of the watched sockets again, sorted, when the scan used netlink for TCP alone; else null. */
    public long[] rescanCookies() throws IOException {
        return used instanceof NetlinkSource n && usedUdp == null ? n.watchedCookies() : null;
    }

    /** The watched sockets again, through the source the scan used: for verification after a kill. */
    public List<Sock> rescan() throws IOException {
        List<Sock> all = new java.util.ArrayList<>((used != null ? used : new ProcNetSource(PROC_NET)).watched());
        if (usedUdp != null) all.addAll(usedUdp.watched());
        return all;
    }
}
