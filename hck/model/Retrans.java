package hck.model;

/**
 * The retransmission state of a full TCP socket, from tcp_info: {@code count} consecutive
 * retransmissions by the RTO timer of the oldest unacknowledged segment (tcpi_retransmits, reset
 * by any ACK that moves snd_una), the exponential {@code backoff} (tcpi_backoff) and the current,
 * backed-off {@code rtoMs} (tcpi_rto). With the retransmit timer's remaining time they tell how
 * long ago that segment was first sent, from below.
 */
public record Retrans(int count, int backoff, long rtoMs) {}
