package hck.report;

import hck.decide.Decision;
import hck.decide.Diagnosis;
import hck.model.Container;
import hck.model.Owner;
import hck.model.Sock;
import hck.model.TcpState;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The hung sockets one process holds (or, with no name, the ones no process holds: orphans and
 * sockets whose owner could not be read): the one grouping the log's tallies, the check's line,
 * the metrics and the notifications share. {@code closeWaitWhy}: its CLOSE_WAIT sockets by diagnosis,
 * counted in the same pass; {@code container}: the one the process runs in, or null.
 */
public record Holder(long pid, String name, Container container, Map<TcpState, Integer> states, Map<Diagnosis, Integer> closeWaitWhy,
                     long oldestMs, List<Decision> sockets) {

    public int count() {
        return sockets.size();
    }

    private record Key(long pid, String name) {}

    private static final Key NO_PROCESS = new Key(-1, null);
    private static final Diagnosis[] WHY = Diagnosis.values();

    /** Grouped by process, in the order each first appears in {@code hung}. */
    public static List<Holder> of(List<Decision> hung) {
        Grouping by = new Grouping();
        for (Decision d : hung) by.list(by.count(d), d);
        return by.holders();
    }

    /**
     * The grouping of {@link #of}, in two steps that may see the sockets in different orders: each
     * hung socket counted (its process, state, diagnosis, age) in any order — the scan's, where the
     * objects lie in memory one after the other — then listed in the report's order, which orders
     * the holders and their sockets. Counting in the listing's order read them all scattered a
     * second time.
     */
    public static final class Grouping {
        /** One process's hung sockets, counted unboxed: a holder may have 190k sockets. */
        private static final class Group {
            final Key key;
            final StateTally tally = new StateTally();
            Container container;
            final int[] perWhy = new int[WHY.length];
            final List<Decision> sockets = new ArrayList<>();

            Group(Key key) {
                this.key = key;
            }
        }

        private final Map<Key, Integer> ids = new HashMap<>();
        private final List<Group> groups = new ArrayList<>();
        private final List<Group> order = new ArrayList<>();

        /** @return the socket's group, for {@link #list} */
        public int count(Decision d) {
            Sock s = d.socket();
            Owner o = s.owner();
            Key key = o == null ? NO_PROCESS : new Key(o.pid(), o.name());
            Integer id = ids.get(key);
            if (id == null) {
                id = groups.size();
                ids.put(key, id);
                groups.add(new Group(key));
            }
            Group g = groups.get(id);
            g.tally.add(d);
            if (g.container == null && o != null) g.container = s.container();
            Diagnosis why = Diagnosis.of(s);
            if (why != null) g.perWhy[why.ordinal()]++;
            return id;
        }

        /** The next socket in the report's order, of the group {@link #count} gave. */
        public void list(int group, Decision d) {
            Group g = groups.get(group);
            if (g.sockets.isEmpty()) order.add(g);
            g.sockets.add(d);
        }

        public List<Holder> holders() {
            List<Holder> out = new ArrayList<>(order.size());
            for (Group g : order) {
                Map<Diagnosis, Integer> whys = new EnumMap<>(Diagnosis.class);
                for (Diagnosis w : WHY) if (g.perWhy[w.ordinal()] > 0) whys.put(w, g.perWhy[w.ordinal()]);
                out.add(new Holder(g.key.pid(), g.key.name(), g.container, g.tally.counts(), whys, g.tally.oldestMs(), g.sockets));
            }
            return out;
        }
    }

    /** The biggest holder first; among equals, the one with the oldest socket. */
    public static List<Holder> biggestFirst(List<Decision> hung) {
        List<Holder> out = of(hung);
        out.sort(Comparator.comparingInt(Holder::count).reversed().thenComparing(Holder::oldestMs, Comparator.reverseOrder()));
        return out;
    }
}
