package hck.report;

import hck.decide.Decision;

/** A listed socket: its decision and what was done about it ({@code action}, {@code method}). */
public record Outcome(Decision decision, String action, String method) {
    public static final String NONE = "none";
    public static final String WOULD_TERMINATE = "would-terminate";
    public static final String TERMINATED = "terminated";
    public static final String FAILED = "failed";
}
