package hck.run;

import hck.act.Result;
import hck.decide.Decision;
import hck.decide.Verdict;
import hck.model.TcpSocket;
import hck.report.Outcome;
import hck.report.Summary;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * What the run found and did: one outcome per listed socket, the summary's counts, the counts per
 * namespace, and how many hung sockets a signal left as they were.
 */
public record RunReport(List<Outcome> outcomes, Summary summary, List<Summary.PerNetns> perNetns, long leftByStop) {

    /**
     * @param results   live mode's result per socket (empty otherwise)
     * @param onOutcome gets each hung socket's outcome in live mode, as it is known (the log's "terminated" lines)
     */
    public static RunReport of(Plan plan, Sweep sweep, Verdicts verdicts, Map<TcpSocket, Result> results, Consumer<Outcome> onOutcome) {
        boolean udpReportOnly = !plan.rules().udp().terminate();
        List<Outcome> outcomes = new ArrayList<>(verdicts.listed().size());
        for (Decision d : verdicts.listed()) {
            Outcome o = d.verdict() != Verdict.HUNG ? Outcome.of(d, Outcome.NONE)
                    : d.socket().udp() != null && udpReportOnly
                    ? new Outcome(d, Verdict.HUNG, d.reason() + "; reported only (udp action: report)", Outcome.NONE, null, null,
                            plan.live() ? Outcome.REPORTED_ONLY : null)
                    : switch (plan.mode()) {
                        case DRY_RUN -> Outcome.of(d, Outcome.WOULD_TERMINATE);
                        case CHECK -> Outcome.of(d, Outcome.NONE);
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
        long left = results.values().stream().filter(Result::stopped).count();
        return new RunReport(outcomes, summary, perNetns, left);
    }

    /** The hung sockets, in the order they were listed. */
    public List<Outcome> hung() {
        return outcomes.stream().filter(o -> o.verdict() == Verdict.HUNG).toList();
    }

    static Outcome outcome(Decision d, Result r) {
        return switch (r.action()) {
            case Result.TERMINATED -> new Outcome(d, Verdict.HUNG, r.note() == null ? d.reason() : d.reason() + "; " + r.note(),
                    Outcome.TERMINATED, r.method(), r.destroyResult());
            case Result.FAILED -> new Outcome(d, Verdict.HUNG, d.reason() + "; not terminated: " + r.note(), Outcome.FAILED, null, r.destroyResult());
            case Result.VETOED -> new Outcome(d, Verdict.SKIPPED, d.reason() + "; " + r.note(), Outcome.NONE, null, r.destroyResult(), Outcome.VETOED);
            default -> new Outcome(d, Verdict.HUNG, d.reason() + "; " + r.note(), Outcome.NONE, null, r.destroyResult(),
                    r.stopped() ? Outcome.STOPPED : Outcome.GONE);
        };
    }

    public static Summary summarize(long scanned, long candidates, List<Outcome> outcomes) {
        long hung = 0, skipped = 0, terminated = 0, failed = 0;
        for (Outcome o : outcomes) {
            if (o.verdict() == Verdict.HUNG) hung++;
            if (o.verdict() == Verdict.SKIPPED) skipped++;
            if (o.action().equals(Outcome.TERMINATED) || o.action().equals(Outcome.WOULD_TERMINATE)) terminated++;
            if (o.action().equals(Outcome.FAILED)) failed++;
        }
        return new Summary(scanned, candidates, hung, skipped, terminated, failed);
    }
}
