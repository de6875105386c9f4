package hck.act;

import hck.model.Action;
import hck.model.KillMethod;
import hck.model.Left;

/**
 * What live mode did with one hung socket: {@link Action#TERMINATED} with its {@code method},
 * {@link Action#FAILED}, or {@link Action#NONE} with why it was {@code left} as it was.
 * {@code note}: the words added to the decision's reason. {@code destroyResult}: the kernel's
 * answer to this socket's SOCK_DESTROY (or to the exact lookup before it) — OK, ENOENT, ESTALE,
 * EOPNOTSUPP, EPERM, "errno N" — or null when none was asked.
 */
public record Result(Action action, KillMethod method, Left left, String note, String destroyResult) {
    Result withDestroyResult(String answer) {
        return new Result(action, method, left, note, answer);
    }

    static Result terminated(KillMethod method) {
        return new Result(Action.TERMINATED, method, null, null, null);
    }

    /** Closed by the RST of its peer on this host, which hck destroyed: hck's doing, not the socket's own. */
    static Result viaPeer(String peer) {
        return new Result(Action.TERMINATED, KillMethod.VIA_PEER, null, "closed when hck destroyed its peer on this host (" + peer + ")", null);
    }

    public static Result failed(String note) {
        return new Result(Action.FAILED, null, null, note, null);
    }

    /** Closed or changed state by itself before hck got to it. */
    static Result gone(String note) {
        return new Result(Action.NONE, null, Left.GONE, note, null);
    }

    /** Left as it was, not tried, for {@code why} (any kind but {@link Left#GONE}). */
    public static Result notAttempted(Left why, String note) {
        if (why.attempted()) throw new IllegalArgumentException(why + " is not a reason to leave a socket untried");
        return new Result(Action.NONE, null, why, note, null);
    }

    /** Left as it was because a signal stopped the run before hck got to it. */
    public static Result stopped(String signal) {
        return notAttempted(Left.STOPPED, "hck was stopped by " + signal + " before it got to it");
    }
}
