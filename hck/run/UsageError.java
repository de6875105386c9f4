package hck.run;

/** A problem the user can fix (a flag, a file, a permission), found before anything was touched: one line, exit 2. */
public final class UsageError extends Exception {
    public UsageError(String message) {
        super(message, null, false, false);
    }
}
