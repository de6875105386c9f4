package hck.run;

import hck.act.Result;
import hck.decide.Decision;
import hck.decide.Verdict;
import hck.model.Action;
import hck.model.Left;
import hck.model.Sock;
import hck.report.Outcome;
import hck.report.Summary;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * What the run found and did: one outcome per listed socket, the summary's counts, the counts per
 * namespace (the summary says how many hung sockets live mode left, and why).
 */
public record RunReport(List<Outcome> outcomes, Summary summary, List<Summary.PerNetns> perNetns) {

    /**
     * @param results   live mode's result per socket (empty otherwise)
     * @param onOutcome gets each hung socket's outcome in live mode, as it is known (the log's "terminated" lines)
     */
    public static RunReport of(Plan plan, Sweep sweep, Verdicts verdicts, Map<Sock, Result> results, Consumer<Outcome> onOutcome) {
        boolean udpReportOnly = !plan.rules().udp().terminate();
        List<Outcome> outcomes = new ArrayList<>(verdicts.listed().size());
        for (Decision d : verdicts.listed()) {
            Outcome o = d.verdict() != Verdict.HUNG ? Outcome.of(d, Action.NONE)
                    : d.socket().udp() != null && udpReportOnly
                    ? new Outcome(d, Verdict.HUNG, d.reason() + "; reported only (udp action: report)", Action.NONE, null, null,
                            plan.live() ? Left.REPORTED_ONLY : null)
                    : switch (plan.mode()) {
                        case DRY_RUN -> Outcome.of(d, Action.WOULD_TERMINATE);
                        case CHECK -> Outcome.of(d, Action.NONE);
                        case LIVE -> outcome(d, results.get(d.socket()));
                    };
            if (plan.live() && d.verdict() == Verdict.HUNG) onOutcome.accept(o);
            outcomes.add(o);
        }
        plan.log().debug("Actions done at {} ms", plan.clock().ms());
        Summary summary = summarize(sweep.scanned(), sweep.candidates().size(), outcomes);
        List<Summary.PerNetns> perNetns = new ArrayList<>();
        if (sweep.scans().size() == 1) { // the whole run: no need to sort 190k outcomes by namespace
            perNetns.add(new Summary.PerNetns(sweep.scans().get(0).ns().label(), summary));
        } else {
            for (Sweep.NsScan n : sweep.scans()) {
                String label = n.ns().label();
                List<Outcome> mine = outcomes.stream().filter(o -> Objects.equals(o.decision().socket().netns(), label)).toList();
                long nsCandidates = sweep.candidates().stream().filter(c -> Objects.equals(c.netns(), label)).count();
                perNetns.add(new Summary.PerNetns(label, summarize(n.result().scanned() + (n.udp() == null ? 0 : n.udp().scanned()),
                        nsCandidates, mine)));
            }
        }
        return new RunReport(outcomes, summary, perNetns);
    }

    /** The hung sockets, in the order they were listed. */
    public List<Outcome> hung() {
        return outcomes.stream().filter(o -> o.verdict() == Verdict.HUNG).toList();
    }

    static Outcome outcome(Decision d, Result r) {
        return switch (r.action()) {
            case TERMINATED -> new Outcome(d, Verdict.HUNG, r.note() == null ? d.reason() : d.reason() + "; " + r.note(),
                    Action.TERMINATED, r.method(), r.destroyResult(), null);
            case FAILED -> new Outcome(d, Verdict.HUNG, d.reason() + "; not terminated: " + r.note(), Action.FAILED, null, r.destroyResult(), null);
            case NONE, WOULD_TERMINATE -> new Outcome(d, r.left() == Left.VETOED ? Verdict.SKIPPED : Verdict.HUNG, d.reason() + "; " + r.note(),
                    Action.NONE, null, r.destroyResult(), r.left());
        };
    }

    public static Summary summarize(long scanned, long candidates, List<Outcome> outcomes) {
        long hung = 0, skipped = 0, terminated = 0, failed = 0;
        Map<Left, Long> left = new EnumMap<>(Left.class);
        for (Outcome o : outcomes) {
            if (o.verdict() == Verdict.HUNG) hung++;
            if (o.verdict() == Verdict.SKIPPED) skipped++;
            if (o.action() == Action.TERMINATED || o.action() == Action.WOULD_TERMINATE) terminated++;
            if (o.action() == Action.FAILED) failed++;
            if (o.left() != null) left.merge(o.left(), 1L, Long::sum);
        }
        return new Summary(scanned, candidates, hung, skipped, terminated, failed, left);
    }
}
