package hck.run;

import hck.decide.Decider;
import hck.decide.Decision;
import hck.decide.Verdict;
import hck.report.Holder;

import java.util.ArrayList;
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
        // hung first, oldest first (primitive comparison: a boxed Long per comparison was 6M objects at 190k)
        listed.sort((a, b) -> a.verdict() != b.verdict() ? a.verdict().compareTo(b.verdict()) : Long.compare(b.ageMs(), a.ageMs()));
        Verdicts v = new Verdicts(listed, listed.stream().filter(d -> d.verdict() == Verdict.HUNG).toList());
        plan.log().debug("Sorted and grouped by process at {} ms", plan.clock().ms());
        return v;
    }
}
