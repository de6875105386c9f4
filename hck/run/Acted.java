package hck.run;

import hck.act.Result;
import hck.check.CheckAnswer;
import hck.check.Status;
import hck.model.Action;
import hck.model.Sock;

import java.util.Map;

/**
 * What live mode did, counted into the run's memory the moment it is known: whatever fails after
 * the kills, what they did is kept. Also the answer to such a failure.
 */
public final class Acted {
    private Map<Sock, Result> results = Map.of();

    /** Keeps live mode's results and counts them into the state file's counters (saved at the end, or by {@link #failure}). */
    public void record(Plan plan, Map<Sock, Result> done) {
        results = done;
        plan.memory().state().count(count(Action.TERMINATED), count(Action.FAILED));
    }

    /** Live mode's result per hung socket; empty outside live mode or before it acted. */
    public Map<Sock, Result> results() {
        return results;
    }

    /**
     * A failure past the scan (a bug: never a usage error): one ERROR line naming it and whether
     * anything had been touched, the counters of what was done saved; exit 1 (UNKNOWN for the check).
     */
    public int failure(Plan plan, RuntimeException e, boolean verbose) {
        String what = "internal error: " + e;
        if (verbose) plan.log().error("Stack trace", e);
        if (plan.check()) {
            CheckAnswer.answer("HCK UNKNOWN: " + what);
            return Status.UNKNOWN.exitCode;
        }
        if (results.isEmpty()) {
            plan.log().error("{}: the run stopped before it touched anything", what);
        } else {
            boolean saved = plan.memory().save();
            plan.log().error("{}: the run stopped after it terminated {} and failed {} connection(s); {}", what, count(Action.TERMINATED),
                    count(Action.FAILED), saved ? "their counts are saved in " + plan.memory().file() : "their counts could not be saved either");
        }
        return ExitCode.FAILED;
    }

    private long count(Action action) {
        return results.values().stream().filter(r -> r.action() == action).count();
    }
}
