package hck.model;

import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** TCP states as the kernel numbers them (include/net/tcp_states.h) and as ss prints them. */
public enum TcpState {
    ESTABLISHED(1, "ESTAB", "established"),
    SYN_SENT(2, "SYN-SENT", "syn-sent"),
    SYN_RECV(3, "SYN-RECV", "syn-recv"),
    FIN_WAIT1(4, "FIN-WAIT-1", "fin-wait-1"),
    FIN_WAIT2(5, "FIN-WAIT-2", "fin-wait-2"),
    TIME_WAIT(6, "TIME-WAIT", "time-wait"),
    CLOSE(7, "UNCONN", "closed"),
    CLOSE_WAIT(8, "CLOSE-WAIT", "close-wait"),
    LAST_ACK(9, "LAST-ACK", "last-ack"),
    LISTEN(10, "LISTEN", "listening"),
    CLOSING(11, "CLOSING", "closing"),
    NEW_SYN_RECV(12, "SYN-RECV", "syn-recv");

    /** The states hck judges; every other state is never touched, whatever a rule says. */
    public static final Set<TcpState> WATCHED =
            EnumSet.of(CLOSE_WAIT, FIN_WAIT1, FIN_WAIT2, CLOSING, LAST_ACK, TIME_WAIT);
    /** The watched states in the order the README and rules.yaml list them. */
    public static final List<TcpState> WATCHED_ORDER =
            List.of(CLOSE_WAIT, FIN_WAIT1, FIN_WAIT2, CLOSING, LAST_ACK, TIME_WAIT);

    public final int kernelCode;
    public final String ssLabel;
    /** The name ss accepts in a {@code state} filter. */
    public final String ssFilter;

    TcpState(int kernelCode, String ssLabel, String ssFilter) {
        this.kernelCode = kernelCode;
        this.ssLabel = ssLabel;
        this.ssFilter = ssFilter;
    }

    public boolean watched() {
        return WATCHED.contains(this);
    }

    /** By kernel code (TCP_ESTABLISHED = 1 … TCP_CLOSING = 11): looked up once per socket of a dump. */
    private static final TcpState[] BY_CODE = new TcpState[16];

    static {
        for (TcpState s : values()) if (s.kernelCode >= 0 && s.kernelCode < BY_CODE.length) BY_CODE[s.kernelCode] = s;
    }

    public static TcpState fromKernelCode(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }

    public static TcpState fromSsLabel(String label) {
        for (TcpState s : values()) if (s.ssLabel.equals(label)) return s;
        return null;
    }

    /** Accepts {@code CLOSE_WAIT}, {@code close-wait}, {@code close_wait}, {@code FIN_WAIT_1}; null if unknown. */
    public static TcpState parse(String name) {
        String n = name.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        if (n.equals("FIN_WAIT_1")) n = "FIN_WAIT1";
        if (n.equals("FIN_WAIT_2")) n = "FIN_WAIT2";
        if (n.equals("SYN_RECEIVED")) n = "SYN_RECV";
        for (TcpState s : values()) if (s.name().equals(n)) return s;
        return null;
    }
}
