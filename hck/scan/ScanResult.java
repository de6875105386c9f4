package hck.scan;

import hck.model.TcpSocket;

import java.util.List;

/**
 * What a scan found: every socket in a watched state ({@code candidates}), the number of TCP
 * sockets seen in all states ({@code scanned}), which source answered, and how many lines of its
 * output could not be parsed.
 */
public record ScanResult(List<TcpSocket> candidates, long scanned, String source, long parseErrors) {}
