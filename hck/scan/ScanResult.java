package hck.scan;

import hck.model.Sock;

import java.util.List;

/**
 * What a scan found: every socket in a watched state ({@code candidates}), the number of TCP
 * sockets seen in all states ({@code scanned}), which source answered, and how many lines of its
 * output could not be parsed; {@code ports}: the ephemeral ports in use per destination, in every
 * state (netlink only, else null).
 */
public record ScanResult(List<Sock> candidates, long scanned, String source, long parseErrors, PortCounts ports) {
    public ScanResult(List<Sock> candidates, long scanned, String source, long parseErrors) {
        this(candidates, scanned, source, parseErrors, null);
    }

    /** The same result with every candidate labelled with the namespace it was found in. */
    public ScanResult inNetns(String label) {
        if (label == null) return this;
        return new ScanResult(candidates.stream().map(s -> s.withNetns(label)).toList(), scanned, source, parseErrors, ports);
    }
}
