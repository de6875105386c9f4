package hck.report;

import hck.decide.Decision;
import hck.decide.Verdict;

/**
 * A listed socket: its decision and what was done about it. {@code verdict} is the decision's,
 * except a socket whose process the veto command protected, which ends {@code skipped};
 * {@code reason} is the decision's sentence, extended with what live mode met;
 * {@code destroyResult} the kernel's answer to its SOCK_DESTROY (live mode), else null;
 * {@code left} why live mode left a hung socket as it was (one of the kinds below), else null.
 */
public record Outcome(Decision decision, Verdict verdict, String reason, String action, String method, String destroyResult, String left) {
    public Outcome(Decision decision, Verdict verdict, String reason, String action, String method) {
        this(decision, verdict, reason, action, method, null, null);
    }

    public Outcome(Decision decision, Verdict verdict, String reason, String action, String method, String destroyResult) {
        this(decision, verdict, reason, action, method, destroyResult, null);
    }

    /** Why live mode left a hung socket as it was ({@code left}): the log counts them by it past its limit. */
    public static final String VETOED = "vetoed", GONE = "gone", STOPPED = "stopped", REPORTED_ONLY = "reported-only";

    public static final String NONE = "none";
    public static final String WOULD_TERMINATE = "would-terminate";
    public static final String TERMINATED = "terminated";
    public static final String FAILED = "failed";

    public static Outcome of(Decision d, String action) {
        return new Outcome(d, d.verdict(), d.reason(), action, null, null);
    }
}
