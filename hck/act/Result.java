package hck.act;

/**
 * What live mode did with one hung socket. {@code action}: terminated | failed | none (it closed or
 * changed state by itself before hck got to it) | vetoed (the veto command said no: reported as skipped).
 * {@code destroyResult}: the kernel's answer to this socket's SOCK_DESTROY (or to the exact lookup
 * before it) — OK, ENOENT, ESTALE, EOPNOTSUPP, EPERM, "errno N" — or null when none was asked.
 */
public record Result(String action, String method, String note, String destroyResult, boolean stopped) {
    Result(String action, String method, String note) {
        this(action, method, note, null, false);
    }

    Result withDestroyResult(String answer) {
        return new Result(action, method, note, answer, stopped);
    }

    public static final String TERMINATED = "terminated", FAILED = "failed", NONE = "none", VETOED = "vetoed";

    /** Left as it was because a signal stopped the run before hck got to it. */
    public static Result stopped(String signal) {
        return new Result(NONE, null, "hck was stopped by " + signal + " before it got to it", null, true);
    }

    static Result terminated(String method) {
        return new Result(TERMINATED, method, null);
    }

    /** Closed by the RST of its peer on this host, which hck destroyed: hck's doing, not the socket's own. */
    public static final String VIA_PEER = "via-peer";

    static Result viaPeer(String peer) {
        return new Result(TERMINATED, VIA_PEER, "closed when hck destroyed its peer on this host (" + peer + ")");
    }

    static Result failed(String note) {
        return new Result(FAILED, null, note);
    }

    public static Result gone(String note) {
        return new Result(NONE, null, note);
    }

    static Result vetoed(String note) {
        return new Result(VETOED, null, note);
    }
}
