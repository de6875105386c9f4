package hck.model;

import java.time.Instant;

/**
 * What hck's stamp program recorded of a socket when it last entered a closing state: that state,
 * the state it left, and how long before the dump began it entered (floored to the millisecond,
 * so never above the truth). Only trusted while {@code state} is still the socket's state.
 */
public record Stamp(TcpState state, TcpState from, long ageMs) {
    /**
     * Whether a run read stamps (JSON {@code stamps}): {@code status} is {@code installed} (by this
     * run), {@code active} (installed before), {@code off} (the rules say so) or {@code unavailable}
     * ({@code reason} says why); {@code since}: when the stamp program was loaded — a socket that
     * entered its state before then has no stamp and keeps a lower bound.
     */
    public record Status(String status, String pin, Instant since, String reason) {}
}
