package hck.run;

/** hck's exit codes (README "Exit codes"); check mode answers with the plugin statuses of {@code check.Status} instead. */
public final class ExitCode {
    /** No hung connection, all terminated, or a dry run. */
    public static final int OK = 0;
    /** A termination failed, a veto command could not run, or a result could not be written. */
    public static final int FAILED = 1;
    /** A usage or configuration error: nothing was touched. */
    public static final int USAGE = 2;
    /** Another live run holds the lock: not run. */
    public static final int LOCKED = 3;

    private ExitCode() {}
}
