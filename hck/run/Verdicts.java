package hck.run;

import hck.decide.Decider;
import hck.decide.Decision;
import hck.decide.Verdict;
import hck.report.Holder;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Every socket decided, each namespace with its own tcp_fin_timeout: the listed ones (hung or
 * skipped) sorted hung first, oldest first, and the hung ones alone.
 */
public record Verdicts(List<Decision> listed, List<Decision> hung, List<Holder> holders) {
    public Verdicts(List<Decision> listed, List<Decision> hung) {
        this(listed, hung, Holder.of(hung));
    }

    /** @param notListed gets each decision that is not listed (the debug log's skip reasons) */
    public static Verdicts of(Plan plan, Sweep sweep, Consumer<Decision> notListed) {
        long self = ProcessHandle.current().pid();
        Map<String, Decider> deciders = new HashMap<>();
        // the check never acts: it judges sockets whose owner it could not see by their age, so that an
        // unprivileged check (NRPE runs as nagios) never says OK beside hung sockets it cannot attribute
        sweep.scans().forEach(n -> deciders.put(n.ns().label(), new Decider(plan.rules(), self, n.finTimeout(), plan.check())));
        // a pure function of each socket: on every core (190k decisions, each with its reason sentence)
        List<Decision> decisions = sweep.sockets().parallelStream().map(s -> deciders.get(s.netns()).decide(s, sweep.nowMs())).toList();
        List<Decision> listed = new ArrayList<>();
        for (Decision d : decisions) {
            if (d.verdict() == Verdict.NONE) notListed.accept(d); else listed.add(d);
        }
        plan.log().debug("Decisions done at {} ms", plan.clock().ms());
        Verdicts v = hungFirstOldestFirst(listed);
        plan.log().debug("Sorted and grouped by process at {} ms", plan.clock().ms());
        return v;
    }

    private static final int INDEX_BITS = 21, AGE_BITS = 40;
    private static final long AGE_MAX = (1L << AGE_BITS) - 1;

    /**
     * Hung first, then skipped; the oldest first, in scan order among equals (a stable sort); the
     * hung ones grouped by process. At 190k sockets a comparator sort read two scattered decisions
     * per comparison, 3M times; this sorts one long per socket: the verdict, the age inverted (40
     * bits of ms: 34 years) and the index; and counts the holders in the same pass, in scan order.
     */
    static Verdicts hungFirstOldestFirst(List<Decision> listed) {
        int n = listed.size();
        if (n >= 1 << INDEX_BITS) {
            List<Decision> out = new ArrayList<>(listed);
            out.sort((a, b) -> a.verdict() != b.verdict() ? a.verdict().compareTo(b.verdict()) : Long.compare(b.ageMs(), a.ageMs()));
            return new Verdicts(out, out.stream().filter(d -> d.verdict() == Verdict.HUNG).toList());
        }
        long[] keys = new long[n];
        int[] group = new int[n];
        Holder.Grouping holders = new Holder.Grouping();
        for (int i = 0; i < n; i++) {
            Decision d = listed.get(i);
            long age = Math.min(AGE_MAX, Math.max(0, d.ageMs()));
            keys[i] = (long) d.verdict().ordinal() << (AGE_BITS + INDEX_BITS) | (AGE_MAX - age) << INDEX_BITS | i;
            if (d.verdict() == Verdict.HUNG) group[i] = holders.count(d);
        }
        Arrays.sort(keys);
        List<Decision> out = new ArrayList<>(n), hung = new ArrayList<>();
        for (long k : keys) {
            int i = (int) (k & ((1 << INDEX_BITS) - 1));
            Decision d = listed.get(i);
            out.add(d);
            if (d.verdict() == Verdict.HUNG) {
                hung.add(d);
                holders.list(group[i], d);
            }
        }
        return new Verdicts(out, hung, holders.holders());
    }
}
