package hck.scan;

import hck.model.Owner;
import hck.model.TcpSocket;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * scan: sockets from the chosen source (ss, falling back to /proc when ss is missing or fails),
 * owners for the candidates only, and first-seen stamps for sockets whose age the kernel does not tell.
 */
public final class Scanner {
    public enum Choice { AUTO, SS, PROC }

    private final Choice choice;
    private final Path stateFile;
    private final Consumer<String> warn;

    public Scanner(Choice choice, Path stateFile, Consumer<String> warn) {
        this.choice = choice;
        this.stateFile = stateFile;
        this.warn = warn;
    }

    public ScanResult scan(long nowMs) throws IOException {
        ScanResult raw = rawScan();
        List<TcpSocket> sockets = withOwners(raw.candidates());
        if (sockets.stream().anyMatch(FirstSeenStore::needs)) {
            FirstSeenStore store = new FirstSeenStore(stateFile, warn);
            sockets = store.stamp(sockets, nowMs);
            store.save();
        }
        return new ScanResult(sockets, raw.scanned(), raw.source(), raw.parseErrors());
    }

    /** The watched sockets again, from the source the scan used, without owners: for verification after a kill. */
    public List<TcpSocket> rescan() throws IOException {
        return (used != null ? used : new ProcNetSource(Path.of("/proc/net"))).scan().candidates();
    }

    private SocketSource used;

    private ScanResult rawScan() throws IOException {
        ProcNetSource proc = new ProcNetSource(Path.of("/proc/net"));
        if (choice == Choice.PROC) {
            used = proc;
            return proc.scan();
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

    private List<TcpSocket> withOwners(List<TcpSocket> candidates) throws IOException {
        Set<Long> inodes = new HashSet<>();
        for (TcpSocket s : candidates) if (!s.orphan()) inodes.add(s.inode());
        if (inodes.isEmpty()) return candidates;
        ProcessMapper mapper = new ProcessMapper(Path.of("/proc"));
        Map<Long, List<Owner>> owners = mapper.owners(inodes);
        if (mapper.unreadable() > 0) {
            warn.accept("could not read the open files of " + mapper.unreadable()
                    + " processes (run as root): their sockets show no owning process");
        }
        List<TcpSocket> out = new ArrayList<>(candidates.size());
        for (TcpSocket s : candidates) {
            List<Owner> o = s.orphan() ? null : owners.get(s.inode());
            out.add(o == null ? s : s.withOwners(o));
        }
        return out;
    }
}
