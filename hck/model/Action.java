package hck.model;

import java.util.Locale;

/** What was done with a listed socket: the JSON's {@code action}, the summary's counts. */
public enum Action {
    /** Nothing: not hung, a check, or live mode left it as it was (see {@link Left}). */
    NONE,
    /** A dry run's hung socket: what live mode would do. */
    WOULD_TERMINATE,
    /** Gone, verified by looking again. */
    TERMINATED,
    /** Every method tried, the socket still there (the reasons in the outcome's sentence). */
    FAILED;

    public final String json = name().toLowerCase(Locale.ROOT).replace('_', '-');
}
