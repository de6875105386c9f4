package hck.scan;

import hck.model.TcpSocket;

import java.util.List;

/**
 * What a scan found: every socket in a watched state ({@code candidates}), the number of TCP
 * sockets seen in all states ({@code scanned}), which source answered, and how many lines of its
 * output could not be parsed.
 */
public record ScanResult(List<TcpSocket> candidates, long scanned, String source, long parseErrors) {
    /** The same result with every candidate labelled with the namespace it was found in. */
    public ScanResult inNetns(String label) {
        if (label == null) return this;
        return new ScanResult(candidates.stream().map(s -> s.withNetns(label)).toList(), scanned, source, parseErrors);
    }
}
