package hck.report;

import hck.decide.Decision;
import hck.decide.Diagnosis;
import hck.model.Owner;
import hck.model.TcpSocket;
import hck.model.TcpState;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The hung sockets one process holds (or, with no name, the ones no process holds: orphans and
 * sockets whose owner could not be read): the one grouping the log's tallies, the check's line,
 * the metrics and the notifications share. {@code closeWaitWhy}: its CLOSE_WAIT sockets by diagnosis,
 * counted in the same pass.
 */
public record Holder(long pid, String name, Map<TcpState, Integer> states, Map<Diagnosis, Integer> closeWaitWhy, long oldestMs,
                     List<Decision> sockets) {

    public int count() {
        return sockets.size();
    }

    private record Key(long pid, String name) {}

    private static final Key NO_PROCESS = new Key(-1, null);
    private static final Diagnosis[] WHY = Diagnosis.values();

    /** Grouped by process, in the order each first appears in {@code hung}. */
    public static List<Holder> of(List<Decision> hung) {
        Map<Key, List<Decision>> by = new LinkedHashMap<>();
        for (Decision d : hung) {
            Owner o = d.socket().owner();
            by.computeIfAbsent(o == null ? NO_PROCESS : new Key(o.pid(), o.name()), k -> new ArrayList<>()).add(d);
        }
        List<Holder> out = new ArrayList<>(by.size());
        TcpState[] all = TcpState.values();
        for (List<Decision> list : by.values()) {
            Owner o = list.get(0).socket().owner();
            int[] perState = new int[all.length]; // counted unboxed: a holder may have 190k sockets
            int[] perWhy = new int[WHY.length];
            long oldest = 0;
            for (Decision d : list) {
                TcpSocket s = d.socket();
                perState[s.state().ordinal()]++;
                Diagnosis why = Diagnosis.of(s);
                if (why != null) perWhy[why.ordinal()]++;
                oldest = Math.max(oldest, d.ageMs());
            }
            Map<TcpState, Integer> states = new EnumMap<>(TcpState.class);
            for (TcpState s : all) if (perState[s.ordinal()] > 0) states.put(s, perState[s.ordinal()]);
            Map<Diagnosis, Integer> whys = new EnumMap<>(Diagnosis.class);
            for (Diagnosis w : WHY) if (perWhy[w.ordinal()] > 0) whys.put(w, perWhy[w.ordinal()]);
            out.add(new Holder(o == null ? -1 : o.pid(), o == null ? null : o.name(), states, whys, oldest, list));
        }
        return out;
    }

    /** The biggest holder first; among equals, the one with the oldest socket. */
    public static List<Holder> biggestFirst(List<Decision> hung) {
        List<Holder> out = of(hung);
        out.sort(Comparator.comparingInt(Holder::count).reversed().thenComparing(Holder::oldestMs, Comparator.reverseOrder()));
        return out;
    }
}
