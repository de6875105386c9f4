package hck.scan;

import hck.model.Sock;
import hck.model.TcpState;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Scans through ss. The state filter runs in the kernel (inet_diag's state bitmask), so only
 * watched sockets are dumped with details; a second, detail-free ss counts the others for
 * {@code scanned}. Both run at the same time.
 */
public final class SsSource implements SocketSource {
    private final String ss;
    private final boolean udp;

    public SsSource(String ssCommand) {
        this(ssCommand, false);
    }

    /** @param udp every UDP socket with its skmem counters ({@code ss -uanemH}), the decision picks the stuck ones */
    public SsSource(String ssCommand, boolean udp) {
        this.ss = ssCommand;
        this.udp = udp;
    }

    @Override
    public String name() {
        return "ss";
    }

    static List<String> detailCommand(String ss) {
        List<String> cmd = new ArrayList<>(List.of(ss, "-tanoeiH"));
        for (TcpState s : TcpState.WATCHED_ORDER) { cmd.add("state"); cmd.add(s.ssFilter); }
        return cmd;
    }

    static List<String> countCommand(String ss) {
        List<String> cmd = new ArrayList<>(List.of(ss, "-tanH", "state", "all"));
        for (TcpState s : TcpState.WATCHED_ORDER) { cmd.add("exclude"); cmd.add(s.ssFilter); }
        return cmd;
    }

    @Override
    public ScanResult scan() throws IOException {
        if (udp) return scanUdp();
        Process counter = start(countCommand(ss));
        Process detail = start(detailCommand(ss));
        AtomicReference<String> detailErr = drainErrors(detail.getErrorStream());
        AtomicReference<String> countErr = drainErrors(counter.getErrorStream());
        List<Sock> sockets = new ArrayList<>();
        SsParser parser = new SsParser(sockets::add);
        try (BufferedReader r = reader(detail.getInputStream())) {
            for (String line; (line = r.readLine()) != null; ) parser.line(line);
        }
        parser.finish();
        long others = 0;
        try (BufferedReader r = reader(counter.getInputStream())) {
            for (String line; (line = r.readLine()) != null; ) if (!line.isBlank()) others++;
        }
        check(detail, detailErr);
        check(counter, countErr);
        return new ScanResult(sockets, sockets.size() + others, name(), parser.badLines());
    }

    private ScanResult scanUdp() throws IOException {
        Process p = start(List.of(ss, "-uanemH"));
        AtomicReference<String> err = drainErrors(p.getErrorStream());
        List<Sock> sockets = new ArrayList<>();
        SsParser parser = new SsParser(sockets::add, true);
        try (BufferedReader r = reader(p.getInputStream())) {
            for (String line; (line = r.readLine()) != null; ) parser.line(line);
        }
        parser.finish();
        check(p, err);
        return new ScanResult(sockets, sockets.size(), name(), parser.badLines());
    }

    private static Process start(List<String> cmd) throws IOException {
        return new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
    }

    private static BufferedReader reader(InputStream in) {
        return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16);
    }

    /**
     * Keeps the first line of ss's stderr that is not noise. Inside {@code ip netns exec}, ss -e
     * prints "Failed to find cgroup2 mount" once per socket: not a failure (docs/troubleshooting.md).
     */
    private static AtomicReference<String> drainErrors(InputStream err) {
        AtomicReference<String> first = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try (BufferedReader r = reader(err)) {
                for (String line; (line = r.readLine()) != null; ) {
                    if (!line.isBlank() && !line.contains("Failed to find cgroup2 mount")) first.compareAndSet(null, line.trim());
                }
            } catch (IOException ignored) {
                // the process is gone; its exit code tells the rest
            }
        }, "ss-stderr");
        t.setDaemon(true);
        t.start();
        return first;
    }

    private void check(Process p, AtomicReference<String> err) throws IOException {
        int rc;
        try {
            rc = p.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for ss");
        }
        if (rc != 0) {
            String why = err.get();
            throw new IOException(ss + " exited with " + rc + (why == null ? "" : ": " + why));
        }
    }
}
