package hck.model;

/**
 * What marks a UDP socket as stuck: its drop counter (skmem {@code d}, or the drops column of
 * /proc/net/udp) now, and as the last run saw it (null on first sight).
 */
public record UdpInfo(long drops, Long dropsBefore) {
    public boolean dropsGrew() {
        return dropsBefore != null && drops > dropsBefore;
    }

    public UdpInfo withDropsBefore(Long before) {
        return new UdpInfo(drops, before);
    }
}
