package hck.report;

import hck.decide.Decision;
import hck.decide.Verdict;
import hck.model.Action;
import hck.model.KillMethod;
import hck.model.Left;

/**
 * A listed socket: its decision and what was done about it. {@code verdict} is the decision's,
 * except a socket whose process the veto command protected, which ends {@code skipped};
 * {@code reason} is the decision's sentence, extended with what live mode met;
 * {@code destroyResult} the kernel's answer to its SOCK_DESTROY (live mode), else null;
 * {@code left} why live mode left a hung socket as it was, else null.
 */
public record Outcome(Decision decision, Verdict verdict, String reason, Action action, KillMethod method, String destroyResult, Left left) {
    public static Outcome of(Decision d, Action action) {
        return new Outcome(d, d.verdict(), d.reason(), action, null, null, null);
    }
}
