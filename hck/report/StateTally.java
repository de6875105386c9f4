package hck.report;

import hck.decide.Decision;
import hck.model.TcpState;

import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Hung sockets counted per state, with the oldest age of each: the one aggregate behind the
 * check's perfdata, the metrics' per-state series and each {@link Holder}'s counts. Unboxed: one
 * holder may count 190k sockets.
 */
public final class StateTally {
    private static final TcpState[] STATES = TcpState.values();
    private final int[] count = new int[STATES.length];
    private final long[] oldest = new long[STATES.length];
    private int total;

    public void add(Decision d) {
        int s = d.socket().state().ordinal();
        count[s]++;
        oldest[s] = Math.max(oldest[s], d.ageMs());
        total++;
    }

    public static StateTally of(List<Decision> hung) {
        StateTally t = new StateTally();
        hung.forEach(t::add);
        return t;
    }

    /** One tally per namespace label ("" for hck's own), every scanned one present, in the order given. */
    public static Map<String, StateTally> byNetns(List<Decision> hung, List<String> namespaces) {
        Map<String, StateTally> out = new LinkedHashMap<>();
        for (String ns : namespaces) out.put(ns == null ? "" : ns, new StateTally());
        for (Decision d : hung) out.computeIfAbsent(Objects.requireNonNullElse(d.socket().netns(), ""), k -> new StateTally()).add(d);
        return out;
    }

    public int count(TcpState s) {
        return count[s.ordinal()];
    }

    /** The oldest age in {@code s}, 0 when none. */
    public long oldestMs(TcpState s) {
        return oldest[s.ordinal()];
    }

    public int total() {
        return total;
    }

    /** The oldest age in any state, 0 when none. */
    public long oldestMs() {
        long max = 0;
        for (long o : oldest) max = Math.max(max, o);
        return max;
    }

    /** The states with at least one socket, in the enum's order. */
    public Map<TcpState, Integer> counts() {
        Map<TcpState, Integer> out = new EnumMap<>(TcpState.class);
        for (TcpState s : STATES) if (count[s.ordinal()] > 0) out.put(s, count[s.ordinal()]);
        return out;
    }
}
