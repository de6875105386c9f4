package hck.scan;

import hck.model.Sock;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Fallback source: /proc/net/tcp and /proc/net/tcp6 of the caller's network namespace. No
 * tcp_info and no cookie here: ages come from the timewait timer or from the first-seen state file.
 */
public final class ProcNetSource implements SocketSource {
    private final Path procNet;
    private final boolean udp;

    public ProcNetSource(Path procNet) {
        this(procNet, false);
    }

    /** @param udp read udp{,6}: every UDP socket is returned, the decision picks the stuck ones */
    public ProcNetSource(Path procNet, boolean udp) {
        this.procNet = procNet;
        this.udp = udp;
    }

    @Override
    public String name() {
        return "proc";
    }

    @Override
    public ScanResult scan() throws IOException {
        List<Sock> candidates = new ArrayList<>();
        long scanned = 0, bad = 0;
        boolean any = false;
        for (String file : udp ? new String[] {"udp", "udp6"} : new String[] {"tcp", "tcp6"}) {
            try (BufferedReader r = Files.newBufferedReader(procNet.resolve(file), StandardCharsets.US_ASCII)) {
                any = true;
                for (String line; (line = r.readLine()) != null; ) {
                    if (line.isBlank()) continue;
                    Sock s;
                    try {
                        s = udp ? ProcNetParser.parseUdp(line) : ProcNetParser.parse(line);
                    } catch (RuntimeException e) {
                        bad++;
                        continue;
                    }
                    if (s == null) continue;
                    scanned++;
                    if (udp || s.state().watched()) candidates.add(s);
                }
            } catch (NoSuchFileException e) {
                // tcp6 is absent when IPv6 is disabled
            }
        }
        if (!any) throw new IOException("neither " + procNet.resolve("tcp") + " nor tcp6 exists");
        return new ScanResult(candidates, scanned, name(), bad);
    }
}
